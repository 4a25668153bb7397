package inbound

import (
	"context"

	"sluice/queue"
)

// FleetStore is what a fleet node's spool adds to Store (queue.Store):
// its node number, the durable hand-over of a return to the node that
// sent the message (moved from the inbox to the fleet's outbox in one
// transaction; package fleet relays it), and whether a return was handed
// to this node (pinned: attributed here or nowhere). A Store without it
// keeps every return.
type FleetStore interface {
	NodeNumber() int
	ForwardReturn(ctx context.Context, node int, ret *queue.Return) error
	ReturnPinned(id queue.ID) bool
}

var _ FleetStore = (*queue.Store)(nil)

// handOver hands ret to the node that minted id when that is another
// node of the fleet and this node's directory does not know id's
// recipient: the directory that attributes a return lives only at the
// node that sent the message, whose number is in the low bits of id.
// The token naming id was verified first (a stranger cannot make one),
// so only our own returns travel. It reports whether ret is handled (handed
// over, or kept in the inbox for another try after a failed write).
func (w *Worker) handOver(ctx context.Context, ret *queue.Return, id queue.ID, idx uint32) bool {
	if w.foreignNode(id) == 0 {
		return false
	}
	if _, ok := w.cfg.Store.LookupRecipient(id, idx); ok {
		return false // known here after all
	}
	return w.forward(ctx, ret, id)
}

// foreignNode is the number of the fleet node that minted id when that
// is another node than this one, else 0 (a single node, an id of this
// node or of none, or a spool without FleetStore).
func (w *Worker) foreignNode(id queue.ID) int {
	fs, ok := w.cfg.Store.(FleetStore)
	if !ok {
		return 0
	}
	me, node := fs.NodeNumber(), id.Node()
	if me == 0 || node == 0 || node == me {
		return 0
	}
	return node
}

// noteForeign records, in p, that an attribution route named message id,
// unknown to this node's directory: the candidate owner of the return if
// nothing attributes it here. proven says the route is one a stranger
// cannot forge (a MAC'd token, a provider-signed report); a proven owner
// is preferred to one named by a bare message id.
func (w *Worker) noteForeign(p *proof, id queue.ID, proven bool) {
	if w.foreignNode(id) == 0 {
		return
	}
	switch {
	case proven && !p.foreignProven:
		p.foreign, p.foreignProven = id, true
	case p.foreign == 0:
		p.foreign = id
	}
}

// forward moves ret to the fleet outbox for the node that minted id. A
// return handed to this node (pinned) is never handed on: its owner is
// this node or no one, and passing it on could bounce it between nodes
// whose evidence names each other's messages. It reports whether ret is
// handled (handed over, or kept in the inbox for another try after a
// failed write).
func (w *Worker) forward(ctx context.Context, ret *queue.Return, id queue.ID) bool {
	fs, ok := w.cfg.Store.(FleetStore)
	node := w.foreignNode(id)
	if !ok || node == 0 || fs.ReturnPinned(ret.ID) {
		return false
	}
	if err := fs.ForwardReturn(ctx, node, ret); err != nil {
		w.cfg.Logger.Error("inbound: handing a return to its node", "msgid", id.String(), "node_number", node, "err", err)
		w.keep = true
		return true
	}
	w.cfg.Logger.Info("inbound: return handed to the node that sent its message", "msgid", id.String(), "node_number", node)
	return true
}
