package admin

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"sluice/internal/clock"
	"sluice/mta/submit"
)

// Config is what the admin API serves and how.
type Config struct {
	// Token is the bearer token every /api and /debug request must carry.
	// Required: an empty token would let anyone in.
	Token string
	// Queue, Suppressions and Stats back the endpoints of the same names
	// (the spool for the first two, the events store for Stats).
	Queue        Queue
	Suppressions Suppressions
	Stats        Stats
	// Reputation is the reputation guard behind `ctl tenant status|resume`;
	// nil answers 501.
	Reputation Reputation
	// Sites reports the shaping state for `queue summary --by site`; nil
	// answers an empty list.
	Sites Sites
	// Sources are the per-source gates of delivery (warm-up, blocklist
	// marks) behind GET /api/v1/sources and `ctl sources`; zero: empty
	// lists.
	Sources SourceGates
	// Privacy are the stores a data subject request reads and erases.
	Privacy Stores
	// Tenants are the configured tenant names: a data subject request for
	// another tenant is answered 404, and the suppression export without a
	// tenant covers them all.
	Tenants []string
	// TenantNames, when set, lists more tenants at the time of each
	// request (the tenants store's, created without a restart); they
	// count as Tenants do. Default: Tenants only.
	TenantNames func() []string
	// ValidAddress accepts a mailbox for a data subject request. Default:
	// submit.ValidAddress, the rule submission applies to recipients.
	ValidAddress func(string) bool
	// Gatherer is served at /metrics. Default: no /metrics endpoint.
	Gatherer prometheus.Gatherer
	// MetricsAuth puts /metrics behind the bearer token too (Prometheus:
	// `authorization: {credentials_file: …}` in the scrape config). The
	// metrics name tenants, so an admin listener opened beyond loopback
	// for Prometheus opens them with it. Default false: /metrics is open,
	// as on the loopback default.
	MetricsAuth bool
	// Logger receives the audit lines and the operators' delivery lines.
	// Required.
	Logger *slog.Logger
	// LogLevel is the running node's log level, which PUT
	// /api/v1/log-level changes without a restart: the node's logger must
	// be built on it (slog.HandlerOptions{Level: LogLevel}). Default: the
	// endpoint answers 501.
	LogLevel *slog.LevelVar
	// TenantStore backs /api/v1/tenants and /api/v1/domains (tenants as
	// data, admin/tenants.go). Default: no such endpoints.
	TenantStore TenantStore
	// FleetStats, in a fleet, makes GET /api/v1/stats sum the nodes'
	// published numbers (?local=1: this node's); nil: this node's.
	FleetStats FleetStats
	// FleetErase, in a fleet, hands every erasure done here to the other
	// nodes; nil: this node's stores only.
	FleetErase FleetEraser
	// Now is the clock of the queue's oldest-message age, of holds' ends
	// and of `top`'s snapshots. Default clock.Now.
	Now func() time.Time
}

// tenantNames are Tenants and TenantNames' tenants, without repeats.
func (c Config) tenantNames() []string {
	if c.TenantNames == nil {
		return c.Tenants
	}
	out := slices.Clone(c.Tenants)
	for _, t := range c.TenantNames() {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// errConfig reports a Config that cannot be served.
var errConfig = errors.New("admin: config")

// server holds a validated Config; its methods are the handlers.
type server struct{ Config }

// NewServer returns the admin HTTP server for c (see [NewHandler]), with
// a bound on the time to read request headers.
func NewServer(c Config) (*http.Server, error) {
	h, err := NewHandler(c)
	if err != nil {
		return nil, err
	}
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}, nil
}

// NewHandler returns the admin API's handler: /metrics and /healthz
// served openly (the listener is loopback by default), everything else
// behind the bearer token.
func NewHandler(c Config) (http.Handler, error) {
	switch {
	case c.Token == "":
		return nil, errors.Join(errConfig, errors.New("a bearer token is required"))
	case c.Queue == nil || c.Suppressions == nil || c.Stats == nil:
		return nil, errors.Join(errConfig, errors.New("the queue, suppressions and stats stores are required"))
	case c.Privacy.Spool == nil || c.Privacy.Events == nil:
		return nil, errors.Join(errConfig, errors.New("the privacy stores (spool, events) are required"))
	case c.Logger == nil:
		return nil, errors.Join(errConfig, errors.New("an audit logger is required"))
	}
	if c.ValidAddress == nil {
		c.ValidAddress = submit.ValidAddress
	}
	if c.Now == nil {
		c.Now = clock.Now
	}
	s := &server{c}
	mux := http.NewServeMux()
	if c.Gatherer != nil {
		var h http.Handler = promhttp.HandlerFor(c.Gatherer, promhttp.HandlerOpts{})
		if c.MetricsAuth {
			h = requireToken(c.Token, h)
		}
		mux.Handle("GET /metrics", h)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	// Profiles for operators chasing a bottleneck, behind the token.
	s.handle(mux, "/debug/pprof/", pprof.Index)
	s.handle(mux, "/debug/pprof/profile", pprof.Profile)
	s.handle(mux, "/debug/pprof/trace", pprof.Trace)
	s.queueRoutes(mux)
	s.suppressionRoutes(mux)
	s.handle(mux, "GET /api/v1/stats", s.stats)
	s.handle(mux, "GET /api/v1/privacy/export", s.privacyExport)
	s.handle(mux, "POST /api/v1/privacy/erase", s.privacyErase)
	s.handle(mux, "GET /api/v1/log-level", s.logLevel)
	s.handle(mux, "PUT /api/v1/log-level", s.setLogLevel)
	s.handle(mux, "GET /api/v1/top", s.top)
	s.tenantRoutes(mux)
	s.reputationRoutes(mux)
	s.sourceRoutes(mux)
	return mux, nil
}

// handle registers h for pattern behind the bearer token.
func (s *server) handle(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	mux.Handle(pattern, requireToken(s.Token, h))
}

// requireToken answers 401 unless the request carries the bearer token
// (RFC 6750 §2.1), compared in constant time so that the answer's timing
// does not reveal how much of a guess was right.
func requireToken(token string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := bearer(r.Header.Get("Authorization"))
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="sluice"`)
			apiError(w, http.StatusUnauthorized, "missing or wrong bearer token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// bearer returns the credentials of a Bearer Authorization value. The
// scheme is matched case-insensitively (RFC 7235 §2.1: "bearer", "BEARER"
// are the same scheme) and followed by one or more spaces (1*SP).
func bearer(v string) (string, bool) {
	scheme, cred, ok := strings.Cut(v, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	cred = strings.TrimLeft(cred, " ")
	return cred, cred != ""
}

// apiError answers an admin API request with {"error": msg}.
func apiError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// writeJSON answers with v as indented JSON (operators read it and pipe
// it to jq).
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// audit logs an operator action with the actor the client names and the
// remote address: one format for every admin endpoint.
func (s *server) audit(r *http.Request, op string, attrs ...any) {
	s.Logger.Info("admin: "+op, append([]any{"actor", actor(r), "remote", r.RemoteAddr}, attrs...)...)
}

// actor is the operator the client names in X-Sluice-Actor (trimmed,
// under 100 bytes), or "unknown". It is what the client claims: the
// token, not this, is the proof of access.
func actor(r *http.Request) string {
	if a := strings.TrimSpace(r.Header.Get("X-Sluice-Actor")); a != "" && len(a) < 100 {
		return a
	}
	return "unknown"
}
