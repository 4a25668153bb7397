package inbound

import (
	"context"
	"strings"

	"sluice/mta/bounce"
	"sluice/queue"
)

// TrackingTokens opens the URL-form tracking tokens sluice puts in each
// recipient's copy (List-Unsubscribe /u/<token>, click /c/<token>, open
// pixel /o/<token>.gif; see tracking/token). ok is false for anything
// that does not verify.
type TrackingTokens interface {
	OpenTracking(tok string) (tenant string, id queue.ID, idx uint32, ok bool)
}

// The values of Event.Via.
const (
	// ViaVERP: the envelope recipient was our VERP address.
	ViaVERP = "verp"
	// ViaVERPHeader: a VERP address in the returned headers.
	ViaVERPHeader = "verp_header"
	// ViaToken: a tracking or mailto token in the returned copy.
	ViaToken = "token"
	// ViaFBLProvider: our message id and the address the report names, in
	// a report DKIM-signed by a configured feedback-loop provider.
	ViaFBLProvider = "fbl_provider"
	// ViaMessageIDUnverified: our message id and the address the report
	// names, and nothing a forger could not write: reported, not applied.
	ViaMessageIDUnverified = "message_id_unverified"
)

// attribution ties a result to one recipient of ours. trusted says the
// evidence is something a stranger cannot make for another person (a MAC'd
// token, or a report vouched for by a configured provider); only then may
// the result change the recipient's state. why explains an untrusted one.
type attribution struct {
	rec     queue.Recipient
	via     string
	trusted bool
	why     string
}

// proof is what one return carries that a forger cannot produce for
// someone else, gathered once per return.
type proof struct {
	ev *evidence
	// tokens are the distinct recipients named by verified tokens in the
	// returned copy.
	tokens []queue.Recipient

	raw        []byte
	checked    bool   // provider authentication has run
	provider   string // the entry that vouched, "" if none
	notVouched string // why no provider vouched
}

// gatherProof searches the returned copy for tokens and verifies them.
func (w *Worker) gatherProof(raw []byte) *proof {
	p := &proof{ev: findEvidence(raw), raw: raw}
	seen := map[[2]uint64]bool{}
	for _, c := range p.ev.tokens {
		rec, ok := w.openCandidate(c)
		if !ok {
			continue
		}
		k := [2]uint64{uint64(rec.ID), uint64(rec.Index)}
		if !seen[k] {
			seen[k] = true
			p.tokens = append(p.tokens, rec)
		}
	}
	return p
}

// openCandidate verifies one candidate and looks its recipient up. A URL
// token names its tenant: a token whose tenant is not the directory's is
// refused, so one tenant's token never acts on another tenant's recipient.
func (w *Worker) openCandidate(c candidate) (queue.Recipient, bool) {
	var id queue.ID
	var idx uint32
	var tenant string
	var ok bool
	switch c.kind {
	case tokURL:
		if w.cfg.Tracking == nil {
			return queue.Recipient{}, false
		}
		tenant, id, idx, ok = w.cfg.Tracking.OpenTracking(c.tok)
	case tokBounce:
		id, idx, ok = w.cfg.Tokens.OpenBounce(c.tok)
	case tokMailUnsub:
		id, idx, ok = w.cfg.Tokens.OpenUnsubscribe(c.tok)
	}
	if !ok {
		return queue.Recipient{}, false
	}
	rec, ok := w.cfg.Store.LookupRecipient(id, idx)
	if !ok || (c.kind == tokURL && rec.Tenant != tenant) {
		return queue.Recipient{}, false
	}
	return rec, true
}

// vouched runs the provider authentication once per return, only when a
// result needs it (it costs DNS lookups).
func (w *Worker) vouched(ctx context.Context, p *proof) string {
	if !p.checked {
		p.checked = true
		p.provider, p.notVouched = w.cfg.FBL.Authenticate(ctx, p.raw)
	}
	return p.provider
}

// attribute ties a result to one recipient of ours, strongest evidence
// first:
//  1. the envelope VERP token, then a VERP address in the returned headers;
//  2. a tracking or mailto token in the returned copy (the one naming the
//     reported address, or the only recipient the tokens name);
//  3. our queue id in the returned copy and the address the report names:
//     trusted only for a complaint that a configured provider signed
//     (which may also name the recipient by the returned copy's To);
//     otherwise kept for events and statistics, never applied.
//
// Message ids are clock-based and every co-recipient sees one: anybody can
// write a report naming an id and someone else's address.
func (w *Worker) attribute(ctx context.Context, res bounce.Result, verp *queue.Recipient, p *proof) (attribution, bool) {
	if verp != nil {
		return attribution{rec: *verp, via: ViaVERP, trusted: true}, true
	}
	if v := res.VERP; hasPrefixFold(v, "b.") {
		if id, idx, ok := w.cfg.Tokens.OpenBounce(v[2:]); ok {
			if rec, ok := w.cfg.Store.LookupRecipient(id, idx); ok {
				return attribution{rec: rec, via: ViaVERPHeader, trusted: true}, true
			}
		}
	}
	if rec, ok := tokenRecipient(p.tokens, res.Recipient); ok {
		return attribution{rec: rec, via: ViaToken, trusted: true}, true
	}
	if res.MessageID == "" {
		return attribution{}, false
	}
	id, err := queue.ParseID(res.MessageID)
	if err != nil {
		return attribution{}, false
	}
	rec, named := w.cfg.Store.FindRecipient(id, res.Recipient)
	if res.Class == bounce.Complaint && w.vouched(ctx, p) != "" {
		if !named && res.Recipient == "" {
			rec, named = w.returnedTo(id, p.ev.returnedTo)
		}
		if named {
			return attribution{rec: rec, via: ViaFBLProvider, trusted: true}, true
		}
		return attribution{}, false
	}
	if !named {
		return attribution{}, false
	}
	why := "message id only: no VERP address or token of the recipient in the return"
	if len(p.tokens) > 1 {
		why = "message id only: the tokens in the return name several recipients, none the reported one"
	}
	if res.Class == bounce.Complaint {
		why += "; not signed by a configured fbl provider (" + p.notVouched + ")"
	}
	return attribution{rec: rec, via: ViaMessageIDUnverified, why: why}, true
}

// tokenRecipient picks the recipient the tokens prove: the one whose
// address the report names, else the only one they name.
func tokenRecipient(recs []queue.Recipient, reported string) (queue.Recipient, bool) {
	if reported != "" {
		for _, r := range recs {
			if strings.EqualFold(r.Addr, reported) {
				return r, true
			}
		}
	}
	if len(recs) == 1 {
		return recs[0], true
	}
	return queue.Recipient{}, false
}

// returnedTo finds the one recipient of message id among the To addresses
// of the returned copy; several (or none) is no answer.
func (w *Worker) returnedTo(id queue.ID, addrs []string) (queue.Recipient, bool) {
	var found []queue.Recipient
	for _, a := range addrs {
		if rec, ok := w.cfg.Store.FindRecipient(id, a); ok {
			dup := false
			for _, f := range found {
				dup = dup || f.Index == rec.Index
			}
			if !dup {
				found = append(found, rec)
			}
		}
	}
	if len(found) != 1 {
		return queue.Recipient{}, false
	}
	return found[0], true
}
