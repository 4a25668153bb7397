// Package certs gives sluice's TLS listeners (the tracking edge, the
// submission listener, the inbound MX) their certificates through one
// GetCertificate: static PEM files, reloaded on demand (Reload, which the
// node calls on SIGHUP) or when they change (Watch), and certificates
// obtained from an ACME CA (RFC 8555) through
// golang.org/x/crypto/acme/autocert, with the TLS-ALPN-01 challenge
// (RFC 8737) on the TLS listener and HTTP-01 (RFC 8555 §8.3) on a plain
// HTTP listener that asks HTTPChallenge.
//
// Only configured hosts get ACME certificates: a handshake naming any other
// server name gets the static certificate, if there is one, or no
// certificate at all, and never reaches the CA (a stranger could otherwise
// make us spend the CA's rate limit on names of its choosing). ACME
// certificates and the account key are cached under the configured
// directory (data_dir/acme: directory 0700, files 0600) and renewed by
// autocert before they expire (a third of their lifetime before, unless
// RenewBefore says otherwise).
package certs
