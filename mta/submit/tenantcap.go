package submit

import "github.com/emersion/go-smtp"

// The per-tenant session cap. The guard (mta/guard) counts connections by
// client address until they authenticate; after AUTH a session leaves
// those caps, and only the server-wide MaxSessions bounds it. One tenant
// could then hold every connection from a handful of addresses with
// NOOPs under the read timeout, locking out every other tenant. So each
// tenant gets its own cap, checked when its AUTH succeeds.

// Replies to an AUTH over the tenant's cap, RFC 4954 §6 and RFC 5321
// §3.8: 421 when the connection can be closed after it (a guard
// listener), else 454 and the session stays unauthenticated.
var (
	errTenantSessionsClose = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
		Message: "Too many concurrent sessions for this account, closing connection"}
	errTenantSessions = &smtp.SMTPError{Code: 454, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
		Message: "Too many concurrent sessions for this account, try again later"}
)

// maxSessions is t's cap: its own, else the server's; 0 means none.
func (b *Backend) maxSessions(t *Tenant) int {
	switch {
	case t.MaxSessions < 0:
		return 0
	case t.MaxSessions > 0:
		return t.MaxSessions
	}
	return max(0, b.cfg.MaxSessionsPerTenant)
}

// openTenantSession books one authenticated session for t, or reports
// false when t is at its cap.
func (b *Backend) openTenantSession(t *Tenant) bool {
	b.tenantMu.Lock()
	defer b.tenantMu.Unlock()
	if n := b.maxSessions(t); n > 0 && b.tenantSessions[t.Name] >= n {
		return false
	}
	b.tenantSessions[t.Name]++
	return true
}

// closeTenantSession returns a booking of openTenantSession.
func (b *Backend) closeTenantSession(t *Tenant) {
	b.tenantMu.Lock()
	defer b.tenantMu.Unlock()
	if b.tenantSessions[t.Name] <= 1 {
		delete(b.tenantSessions, t.Name)
		return
	}
	b.tenantSessions[t.Name]--
}

// TenantSessions returns the authenticated sessions the tenant named name
// holds (for a gauge).
func (b *Backend) TenantSessions(name string) int {
	b.tenantMu.Lock()
	defer b.tenantMu.Unlock()
	return b.tenantSessions[name]
}
