package opstest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var dashboardPath = filepath.Join(repoRoot, "configs", "grafana", "sluice.json")

// dashboard is the part of Grafana's dashboard JSON model the tests read.
type dashboard struct {
	UID        string  `json:"uid"`
	Title      string  `json:"title"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name     string          `json:"name"`
			Type     string          `json:"type"`
			Query    json.RawMessage `json:"query"`
			AllValue string          `json:"allValue"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int             `json:"id"`
	Type       string          `json:"type"`
	Title      string          `json:"title"`
	Datasource *datasourceRef  `json:"datasource"`
	GridPos    json.RawMessage `json:"gridPos"`
	Targets    []struct {
		RefID      string         `json:"refId"`
		Expr       string         `json:"expr"`
		Datasource *datasourceRef `json:"datasource"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // a collapsed row's
}

type datasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// query is one PromQL expression of the dashboard, named for messages.
type query struct {
	where string // panel title and refId
	expr  string
}

func loadDashboard(t *testing.T) dashboard {
	t.Helper()
	b, err := os.ReadFile(dashboardPath)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", dashboardPath, err)
	}
	return d
}

// queries returns every panel target's expression, rows' panels included.
func (d dashboard) queries() []query {
	var out []query
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			for _, tg := range p.Targets {
				out = append(out, query{where: fmt.Sprintf("panel %q %s", p.Title, tg.RefID), expr: tg.Expr})
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return out
}

// grafanaVars stands for what Grafana substitutes before it sends a
// query: the intervals as the test's Prometheus (1 s scrapes) makes them,
// and every template variable at its "All" value.
var grafanaVars = strings.NewReplacer(
	"$__rate_interval", "10s", "${__rate_interval}", "10s",
	"$__interval", "2s", "${__interval}", "2s",
	"$__range", "1m", "${__range}", "1m",
	"${instance}", ".*", "$instance", ".*",
	"${job}", ".*", "$job", ".*",
)

// TestDashboardModel checks what makes the dashboard import as is: the
// datasource variable that every panel and target uses, template
// variables on sluice's metrics, unique panel ids, a PromQL expression in
// every target, and no variable the test does not know how to fill.
func TestDashboardModel(t *testing.T) {
	t.Parallel()
	d := loadDashboard(t)
	if d.UID == "" || d.Title == "" {
		t.Errorf("uid %q, title %q: both are needed to import and link", d.UID, d.Title)
	}
	vars := map[string]string{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v.Type
		if v.Type == "query" && v.AllValue != ".*" {
			t.Errorf("variable %s: allValue %q, want .* (queries match it with =~)", v.Name, v.AllValue)
		}
	}
	if vars["datasource"] != "datasource" {
		t.Fatalf("no datasource variable (type datasource): %v", vars)
	}
	ids := map[int]bool{}
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			if ids[p.ID] {
				t.Errorf("panel %q: duplicate id %d", p.Title, p.ID)
			}
			ids[p.ID] = true
			if len(p.GridPos) == 0 {
				t.Errorf("panel %q: no gridPos", p.Title)
			}
			if p.Type != "row" {
				if p.Datasource == nil || p.Datasource.UID != "${datasource}" || p.Datasource.Type != "prometheus" {
					t.Errorf("panel %q: datasource %+v, want the ${datasource} variable", p.Title, p.Datasource)
				}
				if len(p.Targets) == 0 {
					t.Errorf("panel %q: no targets", p.Title)
				}
			}
			for _, tg := range p.Targets {
				if tg.Datasource == nil || tg.Datasource.UID != "${datasource}" {
					t.Errorf("panel %q %s: target datasource %+v", p.Title, tg.RefID, tg.Datasource)
				}
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	qs := d.queries()
	if len(qs) < 20 {
		t.Errorf("%d queries: the dashboard lost its panels?", len(qs))
	}
	for _, q := range qs {
		e := grafanaVars.Replace(q.expr)
		if strings.TrimSpace(e) == "" {
			t.Errorf("%s: empty expr", q.where)
		}
		if strings.Contains(e, "$") {
			t.Errorf("%s: a variable the test does not substitute: %s", q.where, q.expr)
		}
		if len(metricNames(e)) == 0 {
			t.Errorf("%s: names no metric: %s", q.where, q.expr)
		}
	}
}
