package webhook

import (
	"errors"
	"fmt"
	"net/url"

	"sluice/tracking/events"
)

// MinSecretLen is the shortest accepted signing secret, in bytes.
const MinSecretLen = 16

// Endpoint is one tenant's webhook.
type Endpoint struct {
	// Tenant names the tenant whose events go to URL.
	Tenant string
	// URL receives the POSTs: an absolute http or https URL (the
	// configuration allows http on loopback only).
	URL string
	// Secret keys the HMAC-SHA256 signature; at least MinSecretLen bytes.
	Secret []byte
	// Kinds, when not empty, restricts the events sent to these kinds.
	// Empty: every kind.
	Kinds []events.Kind
}

// ErrEndpoint is wrapped by the errors of invalid endpoints.
var ErrEndpoint = errors.New("webhook: invalid endpoint")

// check validates e.
func (e *Endpoint) check() error {
	if e.Tenant == "" {
		return fmt.Errorf("%w: empty tenant", ErrEndpoint)
	}
	u, err := url.Parse(e.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%w: tenant %q: url is not an absolute http(s) URL", ErrEndpoint, e.Tenant)
	}
	if len(e.Secret) < MinSecretLen {
		return fmt.Errorf("%w: tenant %q: secret shorter than %d bytes", ErrEndpoint, e.Tenant, MinSecretLen)
	}
	for _, k := range e.Kinds {
		if k == "" {
			return fmt.Errorf("%w: tenant %q: empty kind", ErrEndpoint, e.Tenant)
		}
	}
	return nil
}

// host returns the URL's host, what logs name an endpoint by (the URL
// may carry credentials).
func (e *Endpoint) host() string {
	if u, err := url.Parse(e.URL); err == nil {
		return u.Host
	}
	return ""
}
