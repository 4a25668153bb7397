package events

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"sluice/tracking/internal/binrec"
)

// Stats are the counters of a tenant or of one of its campaigns.
type Stats struct {
	// Sent, Delivered, Deferred and Failed count recipients by delivery
	// outcome (Deferred counts attempts).
	Sent, Delivered, Deferred, Failed uint64
	// Bounces and Complaints count returns after delivery.
	Bounces, Complaints uint64
	// Unsubscribes counts recipients who unsubscribed (each once).
	Unsubscribes uint64
	// Opens counts human opens (pixel fetches); UniqueOpens the
	// recipients who opened at least once; MachineOpens the opens made by
	// scanners and prefetching proxies.
	Opens, UniqueOpens, MachineOpens uint64
	// Clicks counts human clicks; UniqueClicks the recipients who clicked
	// at least one link; MachineClicks the clicks made by scanners.
	Clicks, UniqueClicks, MachineClicks uint64
	// Links has the human clicks per link, by link index, for the links
	// clicked at least once.
	Links []LinkStats
	// Anonymous counts the requests made with DNT or GPC, which are not
	// attributed to messages or campaigns: tenant-wide stats only.
	Anonymous Anonymous
}

// LinkStats counts the human clicks on one link.
type LinkStats struct {
	// Link is the link's index in the message.
	Link int
	// Clicks counts clicks; UniqueClicks the recipients who clicked.
	Clicks, UniqueClicks uint64
}

// Anonymous counts DNT/GPC requests by kind, human and machine apart.
type Anonymous struct {
	Opens, MachineOpens, Clicks, MachineClicks, Unsubscribes uint64
}

// Counter names (the last part of a cnt key). Link counters are
// "L" + link (2 bytes BE) + "t" (total) or "u" (unique).
const (
	cSent      = "sent"
	cDelivered = "delivered"
	cDeferred  = "deferred"
	cFailed    = "failed"
	cBounce    = "bounce"
	cComplaint = "complaint"
	cUnsub     = "unsub"
	cOpen      = "open"
	cOpenU     = "open_u"
	cOpenM     = "open_m"
	cClick     = "click"
	cClickU    = "click_u"
	cClickM    = "click_m"
	cAnonOpen  = "anon_open"
	cAnonOpenM = "anon_open_m"
	cAnonClick = "anon_click"
	cAnonClkM  = "anon_click_m"
	cAnonUnsub = "anon_unsub"
	linkTotal  = "Lt" // stored as "L" + link + "t"
	linkUnique = "Lu" // stored as "L" + link + "u"
)

// present returns the value of keys that only need to exist: bbolt's Get
// cannot tell a missing key from one with an empty value.
func present() []byte { return []byte{1} }

// uniqFixed is the length of a uniq key before the tenant: message,
// recipient, tag, link.
const uniqFixed = 8 + 4 + 1 + 2

// Tags of uniq keys.
const (
	uOpen  = 'O'
	uClick = 'C' // any link
	uLink  = 'L' // one link (the others have link 0)
	uUnsub = 'U'
)

// scopePrefix is the cnt key prefix of a tenant (campaign "") or campaign.
func scopePrefix(tenant, campaign string) []byte {
	b := make([]byte, 0, len(tenant)+len(campaign)+4)
	b = append(b, tenant...)
	b = append(b, 0)
	if campaign != "" {
		b = append(b, '=')
		b = append(b, campaign...)
	}
	return append(b, 0)
}

// batchWriter applies the events of one batch within its transaction:
// their records go into one batch value, and counter increments are summed
// so that each counter is written once.
type batchWriter struct {
	ev, msg, uniq, cnt, camp *bolt.Bucket
	uniqCur                  *bolt.Cursor // reused: a Get allocates a cursor each time
	scopes                   map[scopeKey]*scopeDeltas
	tenantMemo, campMemo     *scopeDeltas // the last scopes used: most events of a batch share them
	uniqKey                  []byte       // first's buffer
	recs                     []byte       // the records of the batch value
	scratch                  []byte       // appendRecord's
	n                        int          // records in recs
	campaigns                *campaignCache
	lateWriter
}

// counter indexes the plain counters of a scope within a batch.
type counter uint8

const (
	kSent counter = iota
	kDelivered
	kDeferred
	kFailed
	kBounce
	kComplaint
	kUnsub
	kOpen
	kOpenU
	kOpenM
	kClick
	kClickU
	kClickM
	kAnonOpen
	kAnonOpenM
	kAnonClick
	kAnonClkM
	kAnonUnsub
	numCounters
)

// counterNames are the stored names of the counters, by index.
var counterNames = [numCounters]string{
	cSent, cDelivered, cDeferred, cFailed, cBounce, cComplaint, cUnsub, cOpen, cOpenU, cOpenM,
	cClick, cClickU, cClickM, cAnonOpen, cAnonOpenM, cAnonClick, cAnonClkM, cAnonUnsub,
}

// scopeKey is a tenant (campaign "") or one of its campaigns.
type scopeKey struct{ tenant, campaign string }

// scopeDeltas sums a batch's increments for one scope, so that each
// stored counter is written once per batch. Plain counters are an array
// rather than map entries: an event costs a few additions, not a hash of
// its tenant and campaign per counter.
type scopeDeltas struct {
	scopeKey
	n     [numCounters]uint64
	links map[linkKey]uint64
}

// linkKey names a link counter: total or unique clicks of one link.
type linkKey struct {
	link   int
	unique bool
}

// key returns the cnt key of link counter lk in the scope with prefix p.
func (lk linkKey) key(p []byte) []byte {
	suffix := byte('t')
	if lk.unique {
		suffix = 'u'
	}
	return append(p, 'L', byte(lk.link>>8), byte(lk.link), suffix)
}

func newBatchWriter(tx *bolt.Tx, campaigns *campaignCache) *batchWriter {
	w := &batchWriter{
		ev:        bucket(tx, bucketEv),
		msg:       bucket(tx, bucketMsg),
		uniq:      bucket(tx, bucketUniq),
		cnt:       bucket(tx, bucketCnt),
		camp:      bucket(tx, bucketCamp),
		scopes:    make(map[scopeKey]*scopeDeltas),
		campaigns: campaigns,
	}
	w.uniqCur = w.uniq.Cursor()
	// Batch keys and message ids grow with time: appends fill pages.
	w.ev.FillPercent = 0.95
	w.msg.FillPercent = 0.9
	return w
}

// scope returns the deltas of (tenant, campaign), through memo.
func (w *batchWriter) scope(memo **scopeDeltas, tenant, campaign string) *scopeDeltas {
	if m := *memo; m != nil && m.tenant == tenant && m.campaign == campaign {
		return m
	}
	k := scopeKey{tenant, campaign}
	sd := w.scopes[k]
	if sd == nil {
		sd = &scopeDeltas{scopeKey: k}
		w.scopes[k] = sd
	}
	*memo = sd
	return sd
}

// count adds one to counter k in the tenant's scope and, if any, the
// campaign's.
func (w *batchWriter) count(tenant, campaign string, k counter) {
	w.lateCounted(k)
	w.scope(&w.tenantMemo, tenant, "").n[k]++
	if campaign != "" {
		w.scope(&w.campMemo, tenant, campaign).n[k]++
	}
}

// countLink adds one to a link counter, like count.
func (w *batchWriter) countLink(tenant, campaign string, lk linkKey) {
	w.lateLinkCounted(lk)
	w.scope(&w.tenantMemo, tenant, "").addLink(lk)
	if campaign != "" {
		w.scope(&w.campMemo, tenant, campaign).addLink(lk)
	}
}

func (sd *scopeDeltas) addLink(lk linkKey) {
	if sd.links == nil {
		sd.links = make(map[linkKey]uint64)
	}
	sd.links[lk]++
}

// first reports whether the uniq marker for (message, rcpt, tag, link) of
// tenant is new, and sets it. The tenant is part of the key because message
// ids are unique per spool, not across the nodes of a cluster.
func (w *batchWriter) first(tenant string, msg uint64, rcpt uint32, tag byte, link int) (bool, error) {
	k := appendIDs(w.uniqKey[:0], msg, rcpt)
	k = append(k, tag)
	k = binary.BigEndian.AppendUint16(k, uint16(link))
	k = append(k, tenant...)
	w.uniqKey = k
	// Seek repositions the cursor, so it stays valid across the Puts.
	if found, _ := w.uniqCur.Seek(k); bytes.Equal(found, k) {
		return false, nil
	}
	// A copy: bbolt keeps a reference to a key until the transaction
	// commits, and uniqKey is reused.
	return true, w.uniq.Put(bytes.Clone(k), present())
}

// campaign returns the campaign of tenant's message, from the cache or the
// msg bucket.
func (w *batchWriter) campaign(tenant string, msg uint64) string {
	if info, ok := w.campaigns.get(msg); ok {
		if info.tenant == tenant {
			return info.campaign
		}
		return ""
	}
	var mk [8]byte
	binary.BigEndian.PutUint64(mk[:], msg)
	var info msgInfo
	if v := w.msg.Get(mk[:]); v != nil {
		if t, c, ok := decodeMsg(v); ok {
			info = msgInfo{t, c}
		}
	}
	w.campaigns.put(msg, info) // a miss is cached too
	if info.tenant == tenant {
		return info.campaign
	}
	return ""
}

// apply adds ev to the batch and updates the counters it touches.
func (w *batchWriter) apply(ev *Event) error {
	if ev.Anonymous {
		w.countAnonymous(ev)
		return nil
	}
	if ev.Kind == KindSent {
		w.maxSent = max(w.maxSent, ev.Message)
	}
	switch {
	case ev.Kind == KindSent && ev.Campaign != "":
		var mk [8]byte
		binary.BigEndian.PutUint64(mk[:], ev.Message)
		if info, ok := w.campaigns.get(ev.Message); !ok || info != (msgInfo{ev.Tenant, ev.Campaign}) {
			if err := w.msg.Put(mk[:], encodeMsg(ev.Tenant, ev.Campaign)); err != nil {
				return err
			}
			if err := w.camp.Put([]byte(ev.Tenant+"\x00"+ev.Campaign), present()); err != nil {
				return err
			}
			w.campaigns.put(ev.Message, msgInfo{ev.Tenant, ev.Campaign})
			if err := w.settleLate(ev); err != nil {
				return err
			}
		}
	case ev.Campaign == "" && ev.Message != 0:
		ev.Campaign = w.campaign(ev.Tenant, ev.Message)
		w.noting = w.maybeLate(ev)
	}
	w.recs, w.scratch = appendRecord(w.recs, w.scratch, ev)
	w.n++
	err := w.countEvent(ev)
	if w.noting {
		w.noting = false
		if err == nil {
			err = w.noteLate(ev)
		}
		w.lateItems = w.lateItems[:0]
	}
	return err
}

// finish writes the batch value and the counters.
func (w *batchWriter) finish(now time.Time) error {
	if w.n > 0 {
		seq, err := w.ev.NextSequence()
		if err != nil {
			return err
		}
		v := make([]byte, 0, 1+binary.MaxVarintLen64+len(w.recs))
		v = append(v, batchVersion)
		v = binary.AppendUvarint(v, uint64(w.n))
		v = append(v, w.recs...)
		if err := w.ev.Put(batchKey(now, seq), v); err != nil {
			return err
		}
	}
	return w.commitCounters()
}

// countFirst counts k when ev is its recipient's first event with uniq
// tag (a unique open, click or unsubscribe).
func (w *batchWriter) countFirst(t, c string, ev *Event, tag byte, k counter) error {
	ok, err := w.first(t, ev.Message, ev.Rcpt, tag, 0)
	if ok {
		w.count(t, c, k)
	}
	return err
}

func (w *batchWriter) countEvent(ev *Event) error {
	t, c := ev.Tenant, ev.Campaign
	switch ev.Kind {
	case KindSent:
		w.count(t, c, kSent)
	case KindDelivered:
		w.count(t, c, kDelivered)
	case KindDeferred:
		w.count(t, c, kDeferred)
	case KindFailed:
		w.count(t, c, kFailed)
	case KindBounce:
		w.count(t, c, kBounce)
	case KindComplaint:
		w.count(t, c, kComplaint)
	case KindUnsubscribe:
		return w.countFirst(t, c, ev, uUnsub, kUnsub)
	case KindOpen:
		if ev.Machine {
			w.count(t, c, kOpenM)
			return nil
		}
		w.count(t, c, kOpen)
		return w.countFirst(t, c, ev, uOpen, kOpenU)
	case KindClick:
		if ev.Machine {
			w.count(t, c, kClickM)
			return nil
		}
		w.count(t, c, kClick)
		w.countLink(t, c, linkKey{link: ev.Link})
		// The link's marker first: if it exists, so does the message's
		// (they are set and erased together), and a repeated click costs
		// one lookup, not two. Retention purges a message's markers in
		// key order (message marker first) and may stop between them; a
		// click on a message already past retention may then miss its
		// unique count, which the purge is about to drop anyway.
		ok, err := w.first(t, ev.Message, ev.Rcpt, uLink, ev.Link)
		if err != nil || !ok {
			return err
		}
		w.countLink(t, c, linkKey{link: ev.Link, unique: true})
		return w.countFirst(t, c, ev, uClick, kClickU)
	}
	return nil
}

func (w *batchWriter) countAnonymous(ev *Event) {
	var name counter
	switch {
	case ev.Kind == KindOpen && ev.Machine:
		name = kAnonOpenM
	case ev.Kind == KindOpen:
		name = kAnonOpen
	case ev.Kind == KindClick && ev.Machine:
		name = kAnonClkM
	case ev.Kind == KindClick:
		name = kAnonClick
	case ev.Kind == KindUnsubscribe:
		name = kAnonUnsub
	default:
		return
	}
	w.count(ev.Tenant, "", name)
}

// commitCounters adds the batch's increments to the stored counters.
func (w *batchWriter) commitCounters() error {
	for _, sd := range w.scopes {
		prefix := scopePrefix(sd.tenant, sd.campaign)
		for k, d := range sd.n {
			if d == 0 {
				continue
			}
			// A new slice per key: bbolt keeps keys until the commit.
			key := append(bytes.Clone(prefix), counterNames[k]...)
			if err := w.add(key, d); err != nil {
				return err
			}
		}
		for lk, d := range sd.links {
			if err := w.add(lk.key(bytes.Clone(prefix)), d); err != nil {
				return err
			}
		}
	}
	return nil
}

// add adds d to the stored counter key.
func (w *batchWriter) add(key []byte, d uint64) error {
	if old := w.cnt.Get(key); len(old) == 8 {
		d += binary.BigEndian.Uint64(old)
	}
	return w.cnt.Put(key, binary.BigEndian.AppendUint64(make([]byte, 0, 8), d))
}

// msgInfo is a message's tenant and campaign.
type msgInfo struct{ tenant, campaign string }

// campaignCache keeps the msg bucket's recent entries, and misses, so that
// an open or click does not look its message up in bbolt each time. It
// belongs to the writer goroutine (no lock), and is bounded: when full, it
// starts again empty.
type campaignCache struct {
	m   map[uint64]msgInfo
	max int
}

func newCampaignCache(max int) *campaignCache {
	return &campaignCache{m: make(map[uint64]msgInfo), max: max}
}

func (c *campaignCache) get(msg uint64) (msgInfo, bool) {
	info, ok := c.m[msg]
	return info, ok
}

func (c *campaignCache) put(msg uint64, info msgInfo) {
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[msg] = info
}

// reset forgets everything (after a failed transaction, whose entries
// were not committed).
func (c *campaignCache) reset() { clear(c.m) }

func encodeMsg(tenant, campaign string) []byte {
	b := binrec.AppendString(nil, tenant)
	return binrec.AppendString(b, campaign)
}

func decodeMsg(v []byte) (tenant, campaign string, ok bool) {
	r := binrec.Reader{B: v}
	tenant = r.Str()
	campaign = r.Str()
	return tenant, campaign, !r.Bad
}

// Stats returns the counters of tenant, or of one of its campaigns when
// campaign is not empty. Unknown names give zero counts.
func (s *Store) Stats(tenant, campaign string) (Stats, error) {
	var st Stats
	prefix := scopePrefix(tenant, campaign)
	links := map[int]*LinkStats{}
	err := s.db.View(func(tx *bolt.Tx) error {
		c := bucket(tx, bucketCnt).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if len(v) != 8 {
				continue
			}
			n := binary.BigEndian.Uint64(v)
			name := k[len(prefix):]
			if len(name) == 4 && name[0] == 'L' {
				link := int(binary.BigEndian.Uint16(name[1:3]))
				ls := links[link]
				if ls == nil {
					ls = &LinkStats{Link: link}
					links[link] = ls
				}
				if name[3] == 'u' {
					ls.UniqueClicks = n
				} else {
					ls.Clicks = n
				}
				continue
			}
			if p := st.field(string(name)); p != nil {
				*p = n
			}
		}
		return nil
	})
	if err != nil {
		return Stats{}, fmt.Errorf("events: stats: %w", err)
	}
	for _, ls := range links {
		st.Links = append(st.Links, *ls)
	}
	sort.Slice(st.Links, func(i, j int) bool { return st.Links[i].Link < st.Links[j].Link })
	return st, nil
}

// field returns the Stats field a counter name fills.
func (st *Stats) field(name string) *uint64 {
	switch name {
	case cSent:
		return &st.Sent
	case cDelivered:
		return &st.Delivered
	case cDeferred:
		return &st.Deferred
	case cFailed:
		return &st.Failed
	case cBounce:
		return &st.Bounces
	case cComplaint:
		return &st.Complaints
	case cUnsub:
		return &st.Unsubscribes
	case cOpen:
		return &st.Opens
	case cOpenU:
		return &st.UniqueOpens
	case cOpenM:
		return &st.MachineOpens
	case cClick:
		return &st.Clicks
	case cClickU:
		return &st.UniqueClicks
	case cClickM:
		return &st.MachineClicks
	case cAnonOpen:
		return &st.Anonymous.Opens
	case cAnonOpenM:
		return &st.Anonymous.MachineOpens
	case cAnonClick:
		return &st.Anonymous.Clicks
	case cAnonClkM:
		return &st.Anonymous.MachineClicks
	case cAnonUnsub:
		return &st.Anonymous.Unsubscribes
	}
	return nil
}

// Campaigns returns the names of tenant's campaigns, sorted.
func (s *Store) Campaigns(tenant string) ([]string, error) {
	var out []string
	prefix := []byte(tenant + "\x00")
	err := s.db.View(func(tx *bolt.Tx) error {
		c := bucket(tx, bucketCamp).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			out = append(out, string(k[len(prefix):]))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("events: campaigns: %w", err)
	}
	return out, nil
}
