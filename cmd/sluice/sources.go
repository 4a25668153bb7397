package main

import (
	"context"
	"fmt"
	"path/filepath"

	"sluice/admin"
	"sluice/mta/delivery"
	"sluice/mta/shaping"
)

// Per-source gates of delivery (mta/delivery/source.go): the warm-up
// schedules of [[source]]s with warmup = true, and the blocklist marks
// of (source, site) pairs a receiver refused for a DNS blocklist. Both
// keep their state in small JSON files in data_dir, so a restart neither
// hands out a day's allowance twice nor forgets a listing.

// Files of the state, in data_dir.
const (
	warmupFile    = "warmup.json"
	blocklistFile = "blocklist.json"
)

// buildSourceGates makes the warm-up (only when a source warms up) and
// the blocklist, and hands them to dc and n. Every mark and clearing is
// logged.
func (n *node) buildSourceGates(p *parts, dc *delivery.Config) (err error) {
	if ws := n.cfg.WarmupSources(); len(ws) > 0 {
		if n.warmup, err = shaping.NewWarmup(shaping.WarmupOptions{Sources: ws,
			Path: filepath.Join(n.cfg.DataDir, warmupFile)}); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
		dc.Warmup = n.warmup
	}
	n.blocklist, err = shaping.NewBlocklist(shaping.BlocklistOptions{
		Path: filepath.Join(n.cfg.DataDir, blocklistFile), Retry: n.cfg.Delivery.BlocklistRetries(),
		Classifier: p.classifier,
		OnChange: func(b shaping.Block, cleared bool) {
			if cleared {
				n.log.Info("source blocklist cleared", "source", b.Source, "site", b.Site, "count", b.Count)
				return
			}
			n.log.Warn("source blocklisted", "source", b.Source, "site", b.Site, "until", b.Until,
				"count", b.Count, "reason", b.Reason)
		},
	})
	if err != nil {
		return fmt.Errorf("blocklist: %w", err)
	}
	dc.Blocklist = n.blocklist
	return nil
}

// runWarmup saves the warm-up counts every few seconds until ctx ends
// (once more then); shutdown flushes again after delivery stopped.
func (n *node) runWarmup(ctx context.Context) {
	if n.warmup != nil {
		n.goServe("warm-up", func() error { return n.warmup.Run(ctx, 0) })
	}
}

// flushWarmup saves the counts of the last deliveries (after engine.Stop).
func (n *node) flushWarmup() {
	if err := n.warmup.Flush(); err != nil {
		n.log.Warn("warm-up state not saved", "err", err)
	}
}

// sourceGates is what the admin API reports of n's gates: a nil warm-up
// stays a nil interface.
func sourceGates(n *node) admin.SourceGates {
	var g admin.SourceGates
	if n.warmup != nil {
		g.Warmup = n.warmup
	}
	if n.blocklist != nil {
		g.Blocklist = n.blocklist
	}
	return g
}
