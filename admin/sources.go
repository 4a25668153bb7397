package admin

import (
	"net/http"
	"time"

	"sluice/mta/shaping"
)

// Warmups is the warm-up schedules of new sources (*shaping.Warmup; a nil
// one has none).
type Warmups interface {
	Status() []shaping.WarmupStatus
}

// Blocklists is the (source, site) pairs receivers refused for a DNS
// blocklist (*shaping.Blocklist).
type Blocklists interface {
	List() []shaping.Block
}

var (
	_ Warmups    = (*shaping.Warmup)(nil)
	_ Blocklists = (*shaping.Blocklist)(nil)
)

// SourceGates are what decides, per site, whether a source may send now:
// GET /api/v1/sources. Either may be nil (nothing to report).
type SourceGates struct {
	Warmup    Warmups
	Blocklist Blocklists
}

// SourcesStatus is GET /api/v1/sources: every source on a warm-up
// schedule, by name, and every blocklist mark, by site then source.
type SourcesStatus struct {
	Warmup    []SourceWarmup `json:"warmup"`
	Blocklist []SourceBlock  `json:"blocklist"`
}

// SourceWarmup is one source's warm-up today.
type SourceWarmup struct {
	Source string `json:"source"`
	// Start is day 1 (YYYY-MM-DD, UTC); Day is today's number (0 or less
	// before Start), Days the curve's length (after it the source is
	// warm).
	Start string `json:"start"`
	Day   int    `json:"day"`
	Days  int    `json:"days"`
	// Allowance is today's allowance per site on the source's curve; -1
	// when unlimited (warm).
	Allowance int `json:"allowance"`
	// Sites are the sites (shaping rules) with their own curve or with
	// messages counted today.
	Sites []SourceWarmupSite `json:"sites"`
}

// SourceWarmupSite is one site's allowance (-1: unlimited) and what the
// source sent it today.
type SourceWarmupSite struct {
	Site      string `json:"site"`
	Allowance int    `json:"allowance"`
	Sent      int    `json:"sent"`
}

// SourceBlock is one blocklist mark: the site's mail goes from the
// pool's other sources until Until (Standing); after it the source tries
// again, and a delivery clears the mark.
type SourceBlock struct {
	Source string    `json:"source"`
	Site   string    `json:"site"`
	Reason string    `json:"reason"`
	Since  time.Time `json:"since"`
	Until  time.Time `json:"until"`
	// Count is the refusals in a row (the step of the retry schedule).
	Count    int  `json:"count"`
	Standing bool `json:"standing"`
}

// sourceRoutes registers GET /api/v1/sources.
func (s *server) sourceRoutes(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v1/sources", s.sources)
}

// sources answers GET /api/v1/sources.
func (s *server) sources(w http.ResponseWriter, _ *http.Request) {
	out := SourcesStatus{Warmup: []SourceWarmup{}, Blocklist: []SourceBlock{}}
	if s.Sources.Warmup != nil {
		for _, st := range s.Sources.Warmup.Status() {
			sw := SourceWarmup{Source: st.Source, Start: st.Start.UTC().Format(time.DateOnly), Day: st.Day, Days: st.Days,
				Allowance: st.Allowance, Sites: []SourceWarmupSite{}}
			for _, site := range st.Sites {
				sw.Sites = append(sw.Sites, SourceWarmupSite{Site: site.Site, Allowance: site.Allowance, Sent: site.Sent})
			}
			out.Warmup = append(out.Warmup, sw)
		}
	}
	if s.Sources.Blocklist != nil {
		now := s.Now()
		for _, b := range s.Sources.Blocklist.List() {
			out.Blocklist = append(out.Blocklist, SourceBlock{Source: b.Source, Site: b.Site, Reason: b.Reason,
				Since: b.Since.UTC(), Until: b.Until.UTC(), Count: b.Count, Standing: now.Before(b.Until)})
		}
	}
	writeJSON(w, http.StatusOK, out)
}
