package fleet

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"sluice/queue"
)

// A suppression in Redis. The hash <prefix>supp:all maps field → value
// and every stream entry of <prefix>supp:log carries op, f, v and n:
//
//	f  = tenant NUL address (normalised)
//	v  = scope digit ('1' all, '2' marketing) + JSON {r, s, c, d}
//	op = "s" suppress, "d" lift (operator), "r" a node re-seeded the hash
//	n  = the node that wrote it
//
// The scope digit leads so that the scripts can widen without parsing
// JSON: an entry replaces another only if the old one is not scope all
// and not the same scope (queue.Store.SuppressMany's rule).
type wireSupp struct {
	Reason  string `json:"r,omitempty"`
	Source  string `json:"s,omitempty"`
	Created int64  `json:"c,omitempty"`
	Detail  string `json:"d,omitempty"`
}

const (
	opSuppress = "s"
	opLift     = "d"
	opReseed   = "r"
)

// maxWireValue bounds a value read from Redis (a hostile or corrupt one
// must not make a node allocate without bound).
const maxWireValue = 4096

func field(tenant, addr string) string { return tenant + "\x00" + addr }

func encodeSupp(s queue.Suppression) string {
	scope := byte('1')
	if s.Scope == queue.ScopeMarketing {
		scope = '2'
	}
	w := wireSupp{Reason: s.Reason, Source: s.Source, Detail: s.Detail}
	if !s.Created.IsZero() {
		w.Created = s.Created.Unix()
	}
	b, _ := json.Marshal(w) // cannot fail: strings and an int
	return string(scope) + string(b)
}

var errBadEntry = errors.New("fleet: malformed suppression entry")

// decodeSupp parses a field and value from Redis.
func decodeSupp(f, v string) (queue.Suppression, error) {
	var s queue.Suppression
	tenant, addr, ok := strings.Cut(f, "\x00")
	if !ok || tenant == "" || addr == "" || len(f) > 1024 || len(v) < 3 || len(v) > maxWireValue {
		return s, errBadEntry
	}
	switch v[0] {
	case '1':
		s.Scope = queue.ScopeAll
	case '2':
		s.Scope = queue.ScopeMarketing
	default:
		return s, errBadEntry
	}
	var w wireSupp
	if err := json.Unmarshal([]byte(v[1:]), &w); err != nil {
		return s, errBadEntry
	}
	s.Tenant, s.Addr = tenant, queue.NormalizeAddr(addr)
	s.Reason, s.Source, s.Detail = w.Reason, w.Source, w.Detail
	if w.Created > 0 {
		s.Created = time.Unix(w.Created, 0)
	}
	return s, nil
}

// parseStreamID splits a stream id "ms-seq"; ok is false for anything
// else.
func parseStreamID(id string) (ms, seq uint64, ok bool) {
	a, b, found := strings.Cut(id, "-")
	if !found {
		return 0, 0, false
	}
	ms, err1 := parseUint(a)
	seq, err2 := parseUint(b)
	return ms, seq, err1 == nil && err2 == nil
}

func parseUint(s string) (uint64, error) {
	if s == "" || len(s) > 20 {
		return 0, errBadEntry
	}
	var n uint64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, errBadEntry
		}
		d := uint64(c - '0')
		if n > (^uint64(0)-d)/10 {
			return 0, errBadEntry
		}
		n = n*10 + d
	}
	return n, nil
}

// idLess reports a < b for stream ids (invalid ids are treated as 0-0).
func idLess(a, b string) bool {
	am, as, _ := parseStreamID(a)
	bm, bs, _ := parseStreamID(b)
	return am < bm || am == bm && as < bs
}
