package inbound

import (
	"bytes"
	"context"
	"log/slog"
	"net/mail"
	"net/netip"
	"strings"
	"time"

	"sluice/internal/clock"
	"sluice/mta/bounce"
	"sluice/queue"
)

// Store is what the worker needs of the spool.
type Store interface {
	PendingReturns(limit int) ([]queue.Return, error)
	// DoneReturn removes a processed return and journals its events in
	// the same transaction (queue.JournalBounce…).
	DoneReturn(ctx context.Context, id queue.ID, events ...queue.JournalEntry) error
	LookupRecipient(id queue.ID, idx uint32) (queue.Recipient, bool)
	// ReturnsApplied and MarkReturnsApplied remember which returns were
	// applied to which recipients (see Worker), durably.
	ReturnsApplied(keys []queue.ReturnKey) []bool
	MarkReturnsApplied(ctx context.Context, keys []queue.ReturnKey, keep time.Duration) error
	FindRecipient(id queue.ID, addr string) (queue.Recipient, bool)
	Suppress(ctx context.Context, s queue.Suppression) error
}

// Event is one processed return.
type Event struct {
	Time time.Time
	// Kind is "bounce", "complaint", "auto_reply", "unsubscribe",
	// "unattributed" (nothing tied it to a message of ours) or
	// "duplicate" (a return of this kind was applied to this recipient of
	// this message already: a replay; Class and Reason say what it was).
	Kind         string
	Tenant       string
	ID           queue.ID
	Rcpt         string
	Index        uint32 // the recipient's index in its message
	Class        bounce.Class
	Status       string
	Hard         bool
	Reason       string
	FeedbackType string
	// Via says how it was attributed: ViaVERP, ViaVERPHeader, ViaToken,
	// ViaFBLProvider, or ViaMessageIDUnverified (our id in the returned
	// copy and nothing more: reported, never applied); "mailto" for an
	// unsubscribe.
	Via string
	// Provider is the configured feedback-loop provider entry that
	// vouched for the report (Via ViaFBLProvider).
	Provider   string
	Suppressed bool
	// Scope is the scope of the suppression the return asked for ("all"
	// or "marketing"), when Suppressed.
	Scope string
}

// WorkerConfig configures the Worker.
type WorkerConfig struct {
	Store      Store
	Tokens     Tokens
	Classifier *bounce.Classifier
	Policy     *Policy
	// Tracking opens the tracking tokens found in returned copies; nil
	// leaves only VERP and mailto tokens as proof.
	Tracking TrackingTokens
	// FBL authenticates feedback reports from configured providers; nil
	// trusts no report by its signature.
	FBL *FBLAuth
	// SendingIPs are the addresses our mail leaves from, as the receivers
	// see them (the egress sources, and the public addresses in front of
	// them behind NAT). A provider-signed report is applied only when its
	// Source-IP (RFC 5965 §3.2) is among them; empty, no report is
	// applied on a provider's word alone (tokens still prove).
	SendingIPs []netip.Prefix
	Logger     *slog.Logger
	Now        func() time.Time
	OnEvent    func(Event)
	// OnPolicyReturn, if set, hears of every attributed, proven
	// policy_blocked or spam_blocked return whose recipient's directory
	// entry records the source and site that delivered it (see
	// policyreturn.go).
	OnPolicyReturn PolicyReturnFunc
	// PolicyQuorum is how many distinct mailboxes must have returned a
	// proven policy or spam return for one (source, site) within
	// PolicyWindow before such returns reach OnPolicyReturn (see
	// policyreturn.go: one recipient's word must not mark a shared
	// source). Default DefaultPolicyQuorum; 1 feeds every return.
	PolicyQuorum int
	// PolicyWindow is how long a mailbox's policy return counts towards
	// the quorum. Default DefaultPolicyWindow.
	PolicyWindow time.Duration
	// FBLLocalParts are the MX's feedback-loop mailboxes
	// (ServerConfig.FBLLocalParts): one named abuse is a feedback loop's,
	// not the role mailbox's.
	FBLLocalParts []string
	// ReturnMemory is how long the worker remembers that a return was
	// applied to a recipient (a replay within it counts once); it should
	// be at least the recipient directory's retention, past which no
	// return is attributed anyway. Default DefaultReturnMemory.
	ReturnMemory time.Duration
}

// DefaultReturnMemory is WorkerConfig.ReturnMemory's default: three times
// the default recipient directory retention (30 days).
const DefaultReturnMemory = 90 * 24 * time.Hour

// Worker processes the inbox: classify, attribute, suppress, report. A
// return is removed only after it was processed, so a crash at any point
// processes it again (suppressions are idempotent).
type Worker struct {
	cfg  WorkerConfig
	kick chan struct{}
	// batch holds the events of the return being processed (Run's
	// goroutine only).
	batch []Event
	// policy holds its OnPolicyReturn calls, made once it is done (Run's
	// goroutine only).
	policy []policyReturn
	// policySeen holds, per (source, site), the mailboxes whose proven
	// policy returns count towards the quorum, with when (Run's
	// goroutine only).
	policySeen map[policyKey]map[string]time.Time
	// keep says the return being processed must stay in the inbox (its
	// hand-over to the fleet failed; Run's goroutine only).
	keep bool
	// marks are the returns the return being processed applied, recorded
	// (MarkReturnsApplied) once it is done (Run's goroutine only).
	marks []queue.ReturnKey
}

// NewWorker builds a worker.
func NewWorker(cfg WorkerConfig) *Worker {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.ReturnMemory <= 0 {
		cfg.ReturnMemory = DefaultReturnMemory
	}
	if cfg.PolicyQuorum <= 0 {
		cfg.PolicyQuorum = DefaultPolicyQuorum
	}
	if cfg.PolicyWindow <= 0 {
		cfg.PolicyWindow = DefaultPolicyWindow
	}
	return &Worker{cfg: cfg, kick: make(chan struct{}, 1)}
}

// Kick wakes the worker (a return was stored). It never blocks.
func (w *Worker) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// returnBatch is how many stored returns the worker reads at once. Each
// is a copy of up to 10 MiB held until the batch is done (64 of them
// were 640 MB of heap, several times that under GOGC), while reading
// more at once saves nothing but a read transaction per batch.
const returnBatch = 8

// Run processes returns until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		rets, err := w.cfg.Store.PendingReturns(returnBatch)
		if err != nil {
			w.cfg.Logger.Error("inbound: reading inbox", "err", err)
		}
		for _, r := range rets {
			if ctx.Err() != nil {
				return nil
			}
			w.batch, w.policy, w.keep, w.marks = w.batch[:0], w.policy[:0], false, w.marks[:0]
			w.process(ctx, r)
			if w.keep {
				continue // tried again at the next pass
			}
			// The return leaves the inbox in the transaction that journals
			// its events: they reach the event store (and webhooks) exactly
			// once it is processed, across a crash or a full events disk.
			if err := w.cfg.Store.DoneReturn(ctx, r.ID, journalEntries(w.batch)...); err != nil {
				w.cfg.Logger.Error("inbound: removing processed return", "err", err)
				continue // processed again later; its events are not published twice
			}
			// Marked after the return is gone: a crash between the two
			// lets one later replay count again, never loses an event.
			if err := w.cfg.Store.MarkReturnsApplied(ctx, w.marks, w.cfg.ReturnMemory); err != nil {
				w.cfg.Logger.Error("inbound: recording applied returns", "err", err)
			}
			w.flushPolicyReturns()
			for _, ev := range w.batch {
				w.publish(ev)
			}
		}
		if len(rets) == returnBatch {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-w.kick:
		case <-t.C:
		}
	}
}

func (w *Worker) process(ctx context.Context, ret queue.Return) {
	local, _, _ := splitAddr(ret.Rcpt)
	if strings.EqualFold(ret.Rcpt, "postmaster") || roleMailbox(local) && !w.fblMailbox(local) {
		w.roleMail(ret)
		return
	}
	var verp *queue.Recipient
	switch {
	case hasPrefixFold(local, "u."):
		if id, idx, ok := w.cfg.Tokens.OpenUnsubscribe(local[2:]); ok && w.handOver(ctx, &ret, id, idx) {
			return
		}
		w.unsubscribe(ctx, local[2:])
		return
	case hasPrefixFold(local, "b."):
		if id, idx, ok := w.cfg.Tokens.OpenBounce(local[2:]); ok {
			if rec, ok := w.cfg.Store.LookupRecipient(id, idx); ok {
				verp = &rec
			} else if w.handOver(ctx, &ret, id, idx) {
				return
			}
		}
	}
	results, err := w.cfg.Classifier.Message(bytes.NewReader(ret.Data))
	if err != nil || len(results) == 0 {
		w.cfg.Logger.Warn("inbound: unreadable return", "err", err)
		return
	}
	p := w.gatherProof(ret.Data)
	ats := make([]attribution, len(results))
	oks := make([]bool, len(results))
	here, proven := false, false
	for i, res := range results {
		ats[i], oks[i] = w.attribute(ctx, res, verp, p)
		here = here || oks[i]
		proven = proven || oks[i] && ats[i].trusted
	}
	// Nothing ties the return to a recipient of this node (or only a bare
	// message id does, and unforgeable evidence names another node's
	// message), but a route named another node's message: that node holds
	// the directory that can attribute it (or logs it unattributed, once).
	if p.foreign != 0 && !proven && (!here || p.foreignProven) && w.forward(ctx, &ret, p.foreign) {
		return
	}
	for i, res := range results {
		if res.Reason == bounce.ReasonSuccess {
			// A delivered, relayed or expanded recipient of a DSN that
			// reports failures of others (RFC 3464 §2.3.3): news of no
			// failure, so no bounce to count.
			continue
		}
		w.result(ctx, res, ats[i], oks[i], p)
	}
}

// result turns one classified result of a return into its event, and,
// when the recipient is proven (at.trusted) and the return is not a
// replay of one already applied, into the suppression policy's action.
func (w *Worker) result(ctx context.Context, res bounce.Result, at attribution, ok bool, p *proof) {
	ev := Event{Time: w.cfg.Now(), Class: res.Class, Status: res.Status, Hard: res.Hard, Reason: string(res.Reason),
		FeedbackType: res.FeedbackType, Kind: "bounce"}
	switch {
	case res.Reason == bounce.ReasonOptOut:
		ev.Kind = "unsubscribe"
	case res.Class == bounce.Complaint:
		ev.Kind = "complaint"
	case res.Class == bounce.AutoReply:
		ev.Kind = "auto_reply"
	}
	if !ok {
		ev.Kind, ev.Rcpt = "unattributed", res.Recipient
		w.emit(ev)
		return
	}
	rec := at.rec
	ev.Tenant, ev.ID, ev.Rcpt, ev.Index, ev.Via = rec.Tenant, rec.ID, rec.Addr, rec.Index, at.via
	if at.via == ViaFBLProvider {
		ev.Provider = p.provider
	}
	key := queue.ReturnKey{ID: rec.ID, Index: rec.Index, Kind: ev.Kind + ":" + string(res.Class)}
	if at.linkOnly {
		key.Kind += ":link" // a stronger proof of the same return later is news
	}
	if at.trusted && w.applied(key) {
		w.duplicate(ev)
		return
	}
	w.notePolicyReturn(res, rec, at.trusted)
	if w.counts(res) {
		if !at.trusted {
			// Trust boundary: a stranger never changes another
			// person's state without proof they cannot forge.
			w.cfg.Logger.Info("inbound: return not applied: no proof of the recipient", "msgid", rec.ID.String(),
				"tenant", rec.Tenant, "class", string(res.Class), "via", at.via, "reason", at.why)
			w.emit(ev)
			return
		}
		if err := w.apply(ctx, &ev, res, at); err != nil {
			w.emit(ev)
			return // not marked: a copy of it may apply it later
		}
	}
	if at.trusted {
		w.marks = append(w.marks, key)
	}
	w.emit(ev)
}

// apply runs the suppression policy for a proven result, with the scope
// its proof allows (F5: a link token proves no more than the copy's own
// one-click link could do), and records the outcome in ev.
func (w *Worker) apply(ctx context.Context, ev *Event, res bounce.Result, at attribution) error {
	apply, scope := w.cfg.Policy.Apply, queue.ScopeAll
	if at.linkOnly {
		apply = w.cfg.Policy.ApplyLinkProven
	}
	if res.Reason == bounce.ReasonOptOut || at.linkOnly && res.Class == bounce.Complaint {
		scope = queue.ScopeMarketing
	}
	sup, err := apply(ctx, at.rec.Tenant, at.rec.Addr, res, "inbound")
	if sup {
		ev.Scope = scope.String()
	}
	ev.Suppressed = sup
	if err != nil {
		w.cfg.Logger.Error("inbound: applying suppression policy", "msgid", at.rec.ID.String(), "tenant", at.rec.Tenant, "err", err)
	}
	return err
}

// fblMailbox reports whether local is a feedback-loop mailbox of the MX
// (WorkerConfig.FBLLocalParts).
func (w *Worker) fblMailbox(local string) bool {
	for _, l := range w.cfg.FBLLocalParts {
		if strings.EqualFold(l, local) {
			return true
		}
	}
	return false
}

// roleMail records mail to postmaster or abuse (roleMailbox): logged and
// published as unattributed (Reason "postmaster" or "abuse"), never
// classified or attributed, so it never suppresses anyone: a stranger
// writing to the postmaster proves nothing about anybody. The operator
// reads it in the log (sender, subject, size); the message leaves the
// inbox like any processed return.
func (w *Worker) roleMail(ret queue.Return) {
	role := "postmaster"
	if local, _, ok := splitAddr(ret.Rcpt); ok {
		role = strings.ToLower(local)
	}
	subject := ""
	if m, err := mail.ReadMessage(bytes.NewReader(ret.Data)); err == nil {
		subject = m.Header.Get("Subject")
	}
	w.cfg.Logger.Warn("inbound: mail to a role mailbox (not a return: nothing applied)", "rcpt", ret.Rcpt, "from", ret.From,
		"subject", truncate(subject, 200), "bytes", len(ret.Data))
	w.emit(Event{Time: w.cfg.Now(), Kind: "unattributed", Rcpt: ret.Rcpt, Reason: role})
}

// truncate bounds s to n bytes for a log line.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// counts reports whether a returned result is one the policy should see:
// unsubscribes, complaints and hard failures always; soft failures only
// when the remote MTA gave up (a 5.x.x status), not for delay warnings.
func (w *Worker) counts(res bounce.Result) bool {
	if res.Reason == bounce.ReasonOptOut {
		return true // an unsubscribe (ARF opt-out, Apple's): the marketing stream
	}
	switch res.Class {
	case bounce.Complaint, bounce.HardInvalidRecipient:
		return true
	case bounce.SoftMailboxFull, bounce.SoftTemporary:
		return strings.HasPrefix(res.Status, "5")
	}
	return false
}

func (w *Worker) unsubscribe(ctx context.Context, tok string) {
	id, idx, ok := w.cfg.Tokens.OpenUnsubscribe(tok)
	if !ok {
		return
	}
	rec, ok := w.cfg.Store.LookupRecipient(id, idx)
	if !ok {
		w.cfg.Logger.Warn("inbound: unsubscribe for an unknown recipient (directory expired?)", "msgid", id.String())
		return
	}
	key := queue.ReturnKey{ID: id, Index: idx, Kind: "unsubscribe:mailto"}
	if w.applied(key) {
		w.duplicate(Event{Time: w.cfg.Now(), Kind: "unsubscribe", Tenant: rec.Tenant, ID: id, Rcpt: rec.Addr, Index: idx, Via: "mailto"})
		return
	}
	err := w.cfg.Store.Suppress(ctx, queue.Suppression{Tenant: rec.Tenant, Addr: rec.Addr, Scope: queue.ScopeMarketing,
		Reason: "unsubscribe", Source: "mailto"})
	if err != nil {
		w.cfg.Logger.Error("inbound: unsubscribe", "msgid", id.String(), "tenant", rec.Tenant, "err", err)
		return
	}
	w.marks = append(w.marks, key)
	w.emit(Event{Time: w.cfg.Now(), Kind: "unsubscribe", Tenant: rec.Tenant, ID: id, Rcpt: rec.Addr, Index: idx, Via: "mailto", Suppressed: true})
}

// applied reports whether a return of key's kind was applied to key's
// recipient already: by an earlier return (durably, ReturnsApplied) or
// earlier in this one.
//
// Every recipient can see its own VERP return path, tracking links and
// mailto unsubscribe address, and so can replay a return that names it as
// often as it likes: a replay must not suppress again, emit another
// event and webhook, or count again in the reputation windows (where a
// few hundred copies of one bounce would pause a tenant's marketing).
// One return per (message, recipient, kind) counts once.
func (w *Worker) applied(key queue.ReturnKey) bool {
	for _, k := range w.marks {
		if k == key {
			return true
		}
	}
	return w.cfg.Store.ReturnsApplied([]queue.ReturnKey{key})[0]
}

// duplicate records ev as a replay of a return applied already: logged
// and published as Kind "duplicate", never journaled (no event store
// record, webhook or reputation count), nothing applied.
func (w *Worker) duplicate(ev Event) {
	w.cfg.Logger.Info("inbound: return already applied to this recipient: a replay, nothing applied", "msgid", ev.ID.String(),
		"tenant", ev.Tenant, "kind", ev.Kind, "class", string(ev.Class))
	ev.Kind, ev.Suppressed = "duplicate", false
	w.emit(ev)
}

// emit records an event of the return being processed; Run journals and
// publishes them once the return is done.
func (w *Worker) emit(ev Event) { w.batch = append(w.batch, ev) }

// journalEntries are the journal entries of a return's events: attributed
// bounces, complaints and unsubscribes. Returns attributed without proof
// (ViaMessageIDUnverified) are logged and published but never journaled:
// statistics, webhooks and, later, reputation counts must not be fed by
// what a stranger can forge.
func journalEntries(evs []Event) []queue.JournalEntry {
	var out []queue.JournalEntry
	for _, ev := range evs {
		var k queue.JournalKind
		switch ev.Kind {
		case "bounce":
			k = queue.JournalBounce
		case "complaint":
			k = queue.JournalComplaint
		case "unsubscribe":
			k = queue.JournalUnsubscribe
		default:
			continue
		}
		if ev.Tenant == "" || ev.Via == ViaMessageIDUnverified {
			continue
		}
		out = append(out, queue.JournalEntry{Kind: k, Time: ev.Time, Tenant: ev.Tenant, ID: ev.ID, Index: ev.Index,
			Reply: string(ev.Class)})
	}
	return out
}

// publish logs an event and hands it to OnEvent.
func (w *Worker) publish(ev Event) {
	w.cfg.Logger.Info("return", "kind", ev.Kind, "msgid", ev.ID.String(), "tenant", ev.Tenant, "rcpt", ev.Rcpt,
		"class", string(ev.Class), "status", ev.Status, "hard", ev.Hard, "via", ev.Via, "provider", ev.Provider, "suppressed", ev.Suppressed,
		"feedback_type", ev.FeedbackType, "reason", ev.Reason)
	if f := w.cfg.OnEvent; f != nil {
		f(ev)
	}
}
