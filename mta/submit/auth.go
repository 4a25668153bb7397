package submit

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"golang.org/x/crypto/bcrypt"

	"sluice/queue"
)

// Tenant is one customer allowed to submit mail.
type Tenant struct {
	Name            string
	Username        string
	PasswordHash    string   // bcrypt
	SenderDomains   []string // MAIL FROM and header From domains (and their subdomains) this tenant may use
	MaxMessageBytes int64    // 0: the server's limit
	MaxRecipients   int      // 0: the server's limit
	// MaxSessions caps this tenant's authenticated sessions at once (0:
	// Config.MaxSessionsPerTenant; negative: no cap). One tenant, or
	// stolen credentials, must not hold every connection the server has.
	MaxSessions int
	// FromAllow lists more domains (subdomains included) or full
	// addresses the tenant may use in the From and Sender header fields,
	// but not as envelope sender: for the rare ESP-style tenant that
	// sends as its customers' addresses. Empty: SenderDomains only.
	FromAllow []string
	// Signer signs this tenant's mail (DKIM). Built only from keys of the
	// tenant's own domains (plus the service's ESP keys), so no tenant can
	// get mail signed for another tenant's domain. Nil: unsigned.
	Signer Signer
	// Pools are the egress pools this tenant may use; the first is its
	// default. Empty: the default pool only.
	Pools []string
	// Tracker rewrites this tenant's messages per recipient (tracking
	// links, open pixel, List-Unsubscribe). Nil: no rewriting.
	Tracker Tracker
	// Unverified lists the tenant's sending domains still waiting for
	// verification (tenants kept as data): not in SenderDomains, so MAIL
	// FROM refuses them, with a reply that says why (senderRefusal).
	Unverified []string
	// Priority is the default and the highest priority of this tenant's
	// messages within their stream; an X-Sluice-Priority header may lower
	// it, never raise it (priorities order every tenant's mail to a
	// destination: a tenant that could mark its own backlog high would
	// hold everyone else's back). Zero: normal.
	Priority queue.Priority
	// NoTransactional refuses this tenant's mail marked "X-Sluice-Stream:
	// transactional" (550 5.7.1). The transactional stream skips
	// marketing unsubscribes and the reputation guard's pause, so it is a
	// permission, not a label any tenant may put on its mail. The zero
	// value allows it: what builds a Tenant decides (configs: [[tenant]]
	// transactional, default true; tenants kept as data: their own flag).
	NoTransactional bool
}

// MaySend reports whether the tenant may use addr as envelope sender: its
// domain must be one of SenderDomains or a subdomain of one. The null
// reverse-path is refused: submissions are never bounces.
func (t *Tenant) MaySend(addr string) bool {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return false
	}
	dom := domainOf(addr)
	for _, d := range t.SenderDomains {
		if inDomain(dom, d) {
			return true
		}
	}
	return false
}

// pool returns the pool for a message that asked for want ("" = the
// tenant's default), and whether the tenant may use it.
func (t *Tenant) pool(want string) (string, bool) {
	if want == "" {
		if len(t.Pools) > 0 {
			return t.Pools[0], true
		}
		return "", true
	}
	if len(t.Pools) == 0 {
		return "", want == "default"
	}
	for _, p := range t.Pools {
		if p == want {
			return p, true
		}
	}
	return "", false
}

// authenticator checks credentials against bcrypt hashes. bcrypt is slow on
// purpose (~50 ms at cost 10); applications that open a session per message
// would pay that on every connection, so a successful check is remembered as
// a SHA-256 of the password (what Dovecot's auth cache does), and later
// logins with the same password skip bcrypt. A changed hash (a reload) is a
// different key, so stale entries never match.
type authenticator struct {
	byUser map[string]*Tenant
	// dir holds the credentials kept as data (directory.go), asked when
	// byUser does not know the username; nil: none.
	dir atomic.Pointer[dirRef]
	// set, once Backend.SetTenants ran, replaces byUser and dummy
	// (reload.go); nil until then.
	set atomic.Pointer[tenantSet]
	// dummy is a bcrypt hash of a random password at the highest cost
	// among the tenants' hashes: an unknown username costs what a known
	// one does (an operator's $2y$12$ hash next to the $2a$10$ of
	// hash-password would otherwise tell existing users by timing).
	dummy []byte
	// nested is Config.Tenants' nested sender domains (claims.go).
	nested []domainClaim
	// compare is bcrypt.CompareHashAndPassword (a seam for tests, which
	// record the cost each check pays).
	compare func(hash, password []byte) error
	mu      sync.Mutex
	cache   map[string][sha256.Size]byte // username+"\x00"+hash → sha256(password)
}

var errBadCredentials = errors.New("submit: bad credentials")

func newAuthenticator(tenants []*Tenant) (*authenticator, error) {
	a := &authenticator{byUser: map[string]*Tenant{}, cache: map[string][sha256.Size]byte{},
		compare: bcrypt.CompareHashAndPassword}
	cost := 0
	for _, t := range tenants {
		a.byUser[t.Username] = t
		if c, err := bcrypt.Cost([]byte(t.PasswordHash)); err == nil {
			cost = max(cost, c)
		}
	}
	if cost == 0 {
		cost = bcrypt.DefaultCost // no tenant to look like
	}
	dummy, err := dummyHash(cost)
	if err != nil {
		return nil, err
	}
	a.dummy = dummy
	a.nested = nestedClaims(tenants)
	return a, nil
}

// dummyFor is the hash an unknown username is checked against: the
// directory's dummy for a username of its shape (Claimer), else the
// configured tenants'.
func (a *authenticator) dummyFor(username string) []byte {
	if ref := a.dir.Load(); ref != nil && ref.dummy != nil {
		if c, ok := ref.d.(Claimer); ok && c.Claims(username) {
			return ref.dummy
		}
	}
	return a.tenantDummy()
}

// known reports whether password is the one cached for username (a
// login that succeeded before with the current hash): right without a
// bcrypt check, so the AUTH throttle need not treat it as a guess.
func (a *authenticator) known(username, password string) bool {
	sum := sha256.Sum256([]byte(password))
	_, hash, ok := a.lookup(username)
	if !ok {
		return false
	}
	a.mu.Lock()
	cached, hit := a.cache[username+"\x00"+hash]
	a.mu.Unlock()
	return hit && subtle.ConstantTimeCompare(cached[:], sum[:]) == 1
}

// check verifies a username and password. acquire is called before each
// bcrypt comparison (a cache hit needs none) and may refuse: it bounds the
// concurrent password checks so that guessing cannot starve real clients
// (mta/guard); its error is returned as is.
func (a *authenticator) check(username, password string, acquire func() (release func(), err error)) (*Tenant, error) {
	t, hash, ok := a.lookup(username)
	if !ok {
		// Spend the same time as a real check so user names cannot be
		// probed by timing.
		release, err := acquire()
		if err != nil {
			return nil, err
		}
		defer release()
		_ = a.compare(a.dummyFor(username), []byte(password))
		return nil, errBadCredentials
	}
	key := username + "\x00" + hash
	sum := sha256.Sum256([]byte(password))
	a.mu.Lock()
	cached, hit := a.cache[key]
	a.mu.Unlock()
	if hit && subtle.ConstantTimeCompare(cached[:], sum[:]) == 1 {
		return t, nil
	}
	release, err := acquire()
	if err != nil {
		return nil, err
	}
	defer release()
	if err := a.compare([]byte(hash), []byte(password)); err != nil {
		return nil, errBadCredentials
	}
	a.mu.Lock()
	a.cache[key] = sum
	a.mu.Unlock()
	return t, nil
}

// lookup finds the tenant of username and the bcrypt hash its password
// is checked against: the config's tenants first, then the directory
// (asked on every call, so a revoked credential fails at once; the cache
// is keyed by the hash too, so it cannot outlive the credential).
func (a *authenticator) lookup(username string) (*Tenant, string, bool) {
	if t, ok := a.users()[username]; ok {
		return t, t.PasswordHash, true
	}
	if ref := a.dir.Load(); ref != nil {
		if t, hash, ok := ref.d.Lookup(username); ok && t != nil {
			return t, hash, true
		}
	}
	return nil, "", false
}

// loginServer implements the server side of AUTH LOGIN (draft-murchison-
// sasl-login), which go-sasl only has as a client but Outlook-era clients
// and many libraries still use.
type loginServer struct {
	step     int
	username string
	auth     func(username, password string) error
}

func (s *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch s.step {
	case 0:
		s.step = 1
		if len(response) > 0 { // initial response carries the username
			s.username = string(response)
			s.step = 2
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		s.username = string(response)
		s.step = 2
		return []byte("Password:"), false, nil
	case 2:
		s.step = 3
		return nil, true, s.auth(s.username, string(response))
	}
	return nil, false, errors.New("submit: unexpected AUTH LOGIN response")
}

var _ sasl.Server = (*loginServer)(nil)

// RFC 4954 §6: an unknown mechanism is 504 5.5.4; a response the
// mechanism cannot parse (a PLAIN message without its NULs, an empty
// one) is the client's syntax error, 501 5.5.2, not a temporary failure.
var (
	errAuthMechanism = &smtp.SMTPError{Code: 504, EnhancedCode: smtp.EnhancedCode{5, 5, 4}, Message: "Unrecognized authentication mechanism"}
	errAuthSyntax    = &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 5, 2}, Message: "Malformed authentication response"}
)

// saslSyntax passes a SASL exchange through, answering the mechanism's own
// parse errors (those that are no *smtp.SMTPError: check returns only
// those) with errAuthSyntax; go-smtp would answer them 454 4.7.0.
type saslSyntax struct {
	b *Backend
	sasl.Server
}

func (x saslSyntax) Next(response []byte) ([]byte, bool, error) {
	challenge, done, err := x.Server.Next(response)
	var se *smtp.SMTPError
	if err != nil && !errors.As(err, &se) {
		x.b.reject("bad_auth")
		return nil, false, errAuthSyntax
	}
	return challenge, done, err
}
