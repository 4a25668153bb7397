package ctl

import (
	"fmt"
	"io"
	"strconv"

	"sluice/admin"
)

// sources runs `ctl sources`: each warming source's day and today's
// allowance per site, then every blocklist mark of a (source, site).
func sources(c *client, args []string, o out, stderr io.Writer) error {
	if len(args) != 0 {
		return usageError(stderr, "sources")
	}
	var st admin.SourcesStatus
	body, err := c.get("/api/v1/sources", nil, &st)
	if err != nil || o.json {
		return first(err, o, body)
	}
	if len(st.Warmup) == 0 {
		fmt.Fprintln(o.w, "warm-up: no source is on a schedule")
	} else {
		t := o.table("SOURCE", "START", "DAY", "SITE", "ALLOWANCE", "SENT")
		for _, w := range st.Warmup {
			// "*": the source's own curve, for every site without one.
			t.row(w.Source, w.Start, warmDay(w.Day, w.Days), "*", allowance(w.Allowance), "")
			for _, s := range w.Sites {
				t.row(w.Source, w.Start, warmDay(w.Day, w.Days), s.Site, allowance(s.Allowance), s.Sent)
			}
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(o.w)
	if len(st.Blocklist) == 0 {
		_, err := fmt.Fprintln(o.w, "blocklist: no source is marked at any site")
		return err
	}
	t := o.table("SOURCE", "SITE", "UNTIL", "STATE", "COUNT", "REASON")
	for _, b := range st.Blocklist {
		state := "retrying" // its retry time came: the next reply decides
		if b.Standing {
			state = "blocked"
		}
		t.row(b.Source, b.Site, stamp(b.Until), state, b.Count, b.Reason)
	}
	return t.flush()
}

// warmDay is "3/30", "warm" past the curve, "not started" before day 1.
func warmDay(day, days int) string {
	switch {
	case day < 1:
		return "not started"
	case day > days:
		return "warm"
	}
	return fmt.Sprintf("%d/%d", day, days)
}

// allowance is a daily allowance, "unlimited" for -1.
func allowance(n int) string {
	if n < 0 {
		return "unlimited"
	}
	return strconv.Itoa(n)
}
