package token

import (
	"errors"
	"fmt"
	"time"
)

// Kind says what a token is for. Each kind belongs to one form: Open, Click
// and Unsubscribe to the URL form ([Keyring.Seal]), Bounce and
// MailUnsubscribe to the mailbox form ([Keyring.SealMailbox]).
type Kind byte

// The kinds. Their values are part of the token format: never renumber.
const (
	// Open is the open pixel, /o/<token>.gif.
	Open Kind = 1
	// Click is a link redirect, /c/<token>; the destination is in the token.
	Click Kind = 2
	// Unsubscribe is the unsubscribe page and its RFC 8058 one-click POST,
	// /u/<token>.
	Unsubscribe Kind = 3
	// Bounce is the VERP return path, b.<token>@bounce-domain.
	Bounce Kind = 4
	// MailUnsubscribe is the List-Unsubscribe mailto address (RFC 2369
	// §3.2), u.<token>@bounce-domain.
	MailUnsubscribe Kind = 5
)

// String returns the kind's name ("open", "click", "unsubscribe", "bounce",
// "mail-unsubscribe"), or "kind(N)" for an unknown value.
func (k Kind) String() string {
	switch k {
	case Open:
		return "open"
	case Click:
		return "click"
	case Unsubscribe:
		return "unsubscribe"
	case Bounce:
		return "bounce"
	case MailUnsubscribe:
		return "mail-unsubscribe"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// mailbox reports whether the kind belongs to the mailbox form.
func (k Kind) mailbox() bool { return k == Bounce || k == MailUnsubscribe }

// The streams, as in the queue's Stream type.
const (
	// StreamMarketing is the default stream; its unsubscribes do not block
	// transactional mail.
	StreamMarketing uint8 = 0
	// StreamTransactional is the transactional stream.
	StreamTransactional uint8 = 1
)

// Limits on the claims, checked by Seal. They bound the token length: a
// click token at every limit is about 3,300 characters, under [MaxLen].
const (
	// MaxTenant is the longest Tenant, in bytes.
	MaxTenant = 64
	// MaxURL is the longest click destination, in bytes. Browsers and
	// proxies commonly handle 2,048; the token for it is about 2,800
	// characters.
	MaxURL = 2048
	// MaxAddr is the longest recipient address, in bytes: RFC 5321
	// §4.5.3.1.3 limits a path to 256 octets including the angle brackets.
	MaxAddr = 254
	// MaxLen is the longest token string Open considers; anything longer is
	// refused before decoding.
	MaxLen = 4096
	// MaxMailboxLen is the longest mailbox token, in characters, so that
	// "b.<token>" fits the 64-octet local part (RFC 5321 §4.5.3.1.1).
	MaxMailboxLen = 60
)

// Claims is what a token asserts. Identifiers are the spool's opaque ids;
// the recipient's address is never in clear (see Addr).
type Claims struct {
	// Kind says what the token is for.
	Kind Kind
	// Tenant is the sending tenant's name, at most MaxTenant bytes. URL form
	// only.
	Tenant string
	// Message is the spool's message id (queue.ID).
	Message uint64
	// Rcpt is the recipient's index within the message.
	Rcpt uint32
	// Link is the index of the link in the message. Click tokens only.
	Link uint16
	// URL is the exact destination of a click, at most MaxURL bytes,
	// required in click tokens and refused in others. The edge redirects
	// only to this.
	URL string
	// Addr is the recipient's address, optional, at most MaxAddr bytes. It
	// is encrypted in the token (AES-256-GCM) so that a stateless edge can
	// act on an unsubscribe without a directory lookup, yet neither the
	// recipient nor anyone the URL leaks to can read it. URL form only.
	Addr string
	// Stream is StreamMarketing or StreamTransactional. URL form only.
	Stream uint8
	// Issued is when the token was made, kept to the second (as UTC) from
	// 2024-01-01 on; the zero time means unknown, which OpenMaxAge treats as
	// expired. URL form only.
	Issued time.Time
}

// ErrInvalid is the one error for a token that does not verify: malformed,
// truncated, extended, tampered with, signed with an unknown or retired key,
// or of another version. It says nothing more, on purpose: the edge answers
// 404.
var ErrInvalid = errors.New("token: invalid")

// ErrExpired is returned by OpenMaxAge for an authentic token that is older
// than allowed or has no issue time.
var ErrExpired = errors.New("token: expired")

// epoch is the origin of the issue time in URL tokens: seconds since 2024
// take 4 varint bytes until 2032, where Unix seconds take 5.
const epoch = 1704067200 // 2024-01-01T00:00:00Z

// maxIssued bounds the encoded issue time (seconds since epoch, plus one)
// far beyond any real date and far below int64 overflow.
const maxIssued = 1 << 40

// issuedValue returns the encoded issue time of t: 0 for the zero time,
// else seconds since epoch plus one.
func issuedValue(t time.Time) (uint64, error) {
	if t.IsZero() {
		return 0, nil
	}
	s := t.Unix()
	if s < epoch || s-epoch >= maxIssued {
		return 0, fmt.Errorf("token: issue time %s out of range (2024 on)", t.UTC().Format(time.RFC3339))
	}
	return uint64(s-epoch) + 1, nil
}

// issuedTime is the inverse of issuedValue.
func issuedTime(v uint64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(int64(v-1)+epoch, 0).UTC()
}

// checkURLClaims reports why c cannot go in a URL-form token.
func checkURLClaims(c *Claims) error {
	switch c.Kind {
	case Open, Click, Unsubscribe:
	case Bounce, MailUnsubscribe:
		return fmt.Errorf("token: %s claims belong in a mailbox token (SealMailbox)", c.Kind)
	default:
		return fmt.Errorf("token: unknown kind %d", uint8(c.Kind))
	}
	if len(c.Tenant) > MaxTenant {
		return fmt.Errorf("token: tenant of %d bytes, more than %d", len(c.Tenant), MaxTenant)
	}
	if c.Kind == Click {
		if c.URL == "" {
			return errors.New("token: click claims without a URL")
		}
		if len(c.URL) > MaxURL {
			return fmt.Errorf("token: URL of %d bytes, more than %d", len(c.URL), MaxURL)
		}
	} else if c.URL != "" || c.Link != 0 {
		return fmt.Errorf("token: %s claims with a link or URL (only click tokens carry them)", c.Kind)
	}
	if len(c.Addr) > MaxAddr {
		return fmt.Errorf("token: address of %d bytes, more than %d", len(c.Addr), MaxAddr)
	}
	if c.Stream > StreamTransactional {
		return fmt.Errorf("token: unknown stream %d", c.Stream)
	}
	_, err := issuedValue(c.Issued)
	return err
}

// checkMailboxClaims reports why c cannot go in a mailbox-form token.
func checkMailboxClaims(c *Claims) error {
	switch {
	case c.Kind == Open || c.Kind == Click || c.Kind == Unsubscribe:
		return fmt.Errorf("token: %s claims belong in a URL token (Seal)", c.Kind)
	case !c.Kind.mailbox():
		return fmt.Errorf("token: unknown kind %d", uint8(c.Kind))
	case c.Tenant != "" || c.URL != "" || c.Addr != "" || c.Link != 0 || c.Stream != 0 || !c.Issued.IsZero():
		// Anything else would be silently dropped; the queue's recipient
		// directory maps (Message, Rcpt) to tenant, address and stream.
		return errors.New("token: a mailbox token carries only kind, message and recipient index")
	}
	return nil
}
