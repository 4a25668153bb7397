package configs

import (
	"path/filepath"
	"slices"
	"time"

	"sluice/internal/event"
)

// Accounting configures the accounting log (package sluice/accounting):
// one JSON line per event, written from the events store, rotated and
// gzipped. Recipients appear as log.recipients says.
type Accounting struct {
	// Enabled turns the log on. Default false.
	Enabled bool `toml:"enabled"`
	// Path is the log's directory. Default data_dir/accounting.
	Path string `toml:"path"`
	// MaxSize rotates the current file once it holds this many bytes.
	// Default 104857600 (100 MiB); -1: no size limit.
	MaxSize int64 `toml:"max_size"`
	// Daily rotates the file at the first write of each UTC day.
	// Default true.
	Daily *bool `toml:"daily"`
	// Keep is how many rotated (gzipped) files are kept. Default 30; -1:
	// all.
	Keep int `toml:"keep"`
	// MaxAge removes rotated files older than this (checked at each
	// rotation and each start). Default "" (none), e.g. "2160h" for 90
	// days.
	MaxAge Duration `toml:"max_age"`
	// Kinds are the event kinds logged. Default every kind but open and
	// click: sent, delivered, deferred, failed, bounce, complaint,
	// unsubscribe, deleted.
	Kinds []string `toml:"kinds"`
}

// Accounting defaults.
const (
	defaultAccountingMaxSize = 100 << 20
	defaultAccountingKeep    = 30
)

// Resolve fills the defaults of unset keys (the directory under
// dataDir) and validates the section; an error names the key.
func (a *Accounting) Resolve(dataDir string) error {
	a.fill(dataDir)
	return a.validate()
}

// fill sets the defaults of the keys left unset.
func (a *Accounting) fill(dataDir string) {
	if a.Path == "" {
		a.Path = filepath.Join(dataDir, "accounting")
	}
	if a.MaxSize == 0 {
		a.MaxSize = defaultAccountingMaxSize
	}
	if a.Daily == nil {
		daily := true
		a.Daily = &daily
	}
	if a.Keep == 0 {
		a.Keep = defaultAccountingKeep
	}
	if a.Kinds == nil {
		a.Kinds = []string{"sent", "delivered", "deferred", "failed", "bounce", "complaint", "unsubscribe", "deleted"}
	}
}

// validate checks a filled [accounting] table.
func (a *Accounting) validate() error {
	switch {
	case a.MaxSize < -1:
		return keyError("accounting.max_size", "%d: want bytes > 0, or -1 for no limit", a.MaxSize)
	case a.Keep < -1:
		return keyError("accounting.keep", "%d: want a count > 0, or -1 to keep all", a.Keep)
	case a.MaxAge.Duration < 0 || a.MaxAge.Duration > 0 && a.MaxAge.Duration < time.Hour:
		return keyError("accounting.max_age", "%s: want at least 1h, or unset for no age cap", a.MaxAge.Duration)
	}
	for _, k := range a.Kinds {
		if !slices.Contains(event.Stored(), event.Kind(k)) {
			return keyError("accounting.kinds", "%q is not one of %s", k, event.Join(event.Stored(), ", "))
		}
	}
	return nil
}
