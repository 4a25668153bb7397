// Package logging holds what every sluice log line goes through: a
// slog.Handler that keeps recipients' addresses out of the logs.
//
// Logs are copied, shipped and kept far from the spool, where a privacy
// erasure (GDPR Art. 17) cannot reach them. So by default a recipient's
// address never reaches a log line in clear: the handler replaces the
// value of every "rcpt" attribute by its keyed hash ("rcpt_hash", the same
// HMAC the spool keeps after an erasure and `ctl privacy export` prints,
// so support can still find a person's lines when asked), or by its domain
// only, or leaves it (operators who must).
package logging

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
)

// Mode says how recipients appear in logs.
type Mode uint8

// Modes, as configured by log.recipients.
const (
	// Hash logs rcpt_hash: the spool's keyed hash of tenant and address.
	Hash Mode = iota
	// Domain logs rcpt_domain only.
	Domain
	// Full logs the address.
	Full
)

// ParseMode parses "hash" (also ""), "domain" or "full".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "", "hash":
		return Hash, nil
	case "domain":
		return Domain, nil
	case "full":
		return Full, nil
	}
	return 0, fmt.Errorf("%q is not one of hash, domain, full", s)
}

// RcptKey is the attribute key whose value is a recipient's address;
// TenantKey names the tenant the hash is keyed with.
const (
	RcptKey   = "rcpt"
	TenantKey = "tenant"
)

// Hasher is the spool's queue.Store.HashAddr.
type Hasher func(tenant, addr string) string

// Redactor wraps a slog.Handler and rewrites recipients by its Mode. Make
// it with New; its zero value is not usable.
type Redactor struct {
	inner slog.Handler
	mode  Mode
	// hash is set once the spool is open (SetHasher); until then, in hash
	// mode, only the domain is logged.
	hash *atomic.Pointer[Hasher]
}

// New returns inner behind a Redactor of mode.
func New(inner slog.Handler, mode Mode) *Redactor {
	return &Redactor{inner: inner, mode: mode, hash: new(atomic.Pointer[Hasher])}
}

// SetHasher gives the redactor (and every logger derived from it) the
// spool's keyed hash.
func (r *Redactor) SetHasher(h Hasher) { r.hash.Store(&h) }

// Enabled implements slog.Handler.
func (r *Redactor) Enabled(ctx context.Context, l slog.Level) bool {
	return r.inner.Enabled(ctx, l)
}

// WithAttrs implements slog.Handler; attributes given once to a derived
// logger are redacted too (without a tenant in the same call, a hash is
// keyed with the empty tenant).
func (r *Redactor) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Redactor{inner: r.inner.WithAttrs(r.redact(attrs)), mode: r.mode, hash: r.hash}
}

// WithGroup implements slog.Handler.
func (r *Redactor) WithGroup(name string) slog.Handler {
	return &Redactor{inner: r.inner.WithGroup(name), mode: r.mode, hash: r.hash}
}

// Handle implements slog.Handler: a record with a recipient is rebuilt
// with the recipient rewritten; others pass untouched.
func (r *Redactor) Handle(ctx context.Context, rec slog.Record) error {
	if r.mode == Full || !hasRcpt(rec) {
		return r.inner.Handle(ctx, rec)
	}
	attrs := make([]slog.Attr, 0, rec.NumAttrs())
	rec.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, a)
		return true
	})
	out := slog.NewRecord(rec.Time, rec.Level, rec.Message, rec.PC)
	out.AddAttrs(r.redact(attrs)...)
	return r.inner.Handle(ctx, out)
}

func hasRcpt(rec slog.Record) bool {
	found := false
	rec.Attrs(func(a slog.Attr) bool {
		found = a.Key == RcptKey
		return !found
	})
	return found
}

// redact rewrites the recipients among attrs.
func (r *Redactor) redact(attrs []slog.Attr) []slog.Attr {
	if r.mode == Full {
		return attrs
	}
	tenant := ""
	for _, a := range attrs {
		if a.Key == TenantKey {
			tenant = a.Value.String()
		}
	}
	out := attrs[:0:0]
	for _, a := range attrs {
		if a.Key != RcptKey || a.Value.Kind() != slog.KindString {
			out = append(out, a)
			continue
		}
		addr := a.Value.String()
		if h := r.hash.Load(); r.mode == Hash && h != nil {
			out = append(out, slog.String("rcpt_hash", (*h)(tenant, addr)))
			continue
		}
		if !hasAttr(attrs, "rcpt_domain") {
			out = append(out, slog.String("rcpt_domain", domain(addr)))
		}
	}
	return out
}

func hasAttr(attrs []slog.Attr, key string) bool {
	for _, a := range attrs {
		if a.Key == key {
			return true
		}
	}
	return false
}

// domain returns the lowercased part after the last '@', or "" (an
// address without one is not logged at all).
func domain(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSuffix(addr[i+1:], ">"))
}
