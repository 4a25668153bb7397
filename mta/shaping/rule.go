package shaping

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// DefaultRuleName is the name of the default rule, the one that governs
// every site no other rule matches.
const DefaultRuleName = "default"

// Rule sets the limits of the sites it matches. Zero fields take the value
// in brackets, except Rate and the timeouts, for which zero has a meaning
// of its own.
type Rule struct {
	// Name identifies the rule in transitions, logs and metrics, and is the
	// site name of the destinations it matches (see [Policy.Site]): ASCII
	// letters, digits, '-', '_' and '.'. The rule named "default" is the
	// default rule; it has no Domains or MXPatterns.
	Name string
	// Domains are recipient domains matched exactly, without regard to
	// case. A domain rule beats an MX pattern, and its domains form a site
	// of their own (whatever their MX hosts).
	Domains []string
	// MXPatterns match MX host names: "*.google.com" matches any name below
	// google.com, on a label boundary (aspmx.l.google.com, but neither
	// google.com nor evilgoogle.com); a pattern without "*." matches that
	// one host name. When several patterns match, the longest wins.
	MXPatterns []string

	// MaxConnections bounds concurrent connections per (source, site) [10].
	MaxConnections int
	// MaxMessagesPerConn bounds transactions per connection [100].
	MaxMessagesPerConn int
	// MaxRcptsPerTxn bounds RCPT TO commands per transaction [100: RFC 5321
	// §4.5.3.1.8 obliges servers to accept at least 100].
	MaxRcptsPerTxn int
	// Rate bounds messages per second per (source, site); 0 means no bound
	// until a throttle reply sets one from the measured rate [0]. See
	// [ParseRate] for "600/min" style values.
	Rate float64
	// Burst is how many messages may go at once after an idle spell [one
	// second's worth of Rate, at least 1].
	Burst int
	// ConnectTimeout and CommandTimeout, when set, replace the engine's
	// own (time to establish TCP; time for each SMTP reply) [0: the
	// engine's].
	ConnectTimeout, CommandTimeout time.Duration

	// BackoffFactor multiplies the rate or the connections on a throttle
	// reply (see [Policy.Observe]), in (0, 1) [0.5].
	BackoffFactor float64
	// QuietPeriod is how long a backed-off site must go without a throttle
	// reply that counts (one that is a meaningful share of its recent
	// outcomes: see Noise in the package documentation) before each step
	// back up [5m]; deliveries step it up sooner, to where the cut
	// started. Throttle replies within a tenth of it (at least 1s) after a
	// cut are taken as echoes of the same overload (transactions already
	// under way) and cut nothing more; that tenth's worth of deliveries
	// makes one positive-feedback step.
	QuietPeriod time.Duration
	// MinRate is the lowest rate backoff cuts to, in messages per second
	// [1/60, one a minute, or Rate if lower].
	MinRate float64
	// SuspendAfter is how many consecutive connection failures suspend the
	// site [5].
	SuspendAfter int
	// SuspendFor is the first suspension; each further one without a
	// success in between doubles, up to SuspendMax [1m, 30m].
	SuspendFor, SuspendMax time.Duration
}

// Defaults of the Rule fields.
const (
	defaultMaxConnections = 10
	defaultMaxMsgsPerConn = 100
	defaultMaxRcptsPerTxn = 100
	defaultBackoffFactor  = 0.5
	defaultQuietPeriod    = 5 * time.Minute
	defaultMinRate        = 1.0 / 60
	defaultSuspendAfter   = 5
	defaultSuspendFor     = time.Minute
	defaultSuspendMax     = 30 * time.Minute
	minCutHold            = time.Second
)

// DefaultRules returns sluice's built-in rules: the large mailbox
// providers, matched by their MX host names, and the default.
//
// None of these receivers publishes how many connections or messages per
// second it accepts from one IP: their limits depend on the sender's
// reputation and change without notice. The numbers below are therefore
// judgement, in line with what MTA operators commonly configure (they are
// conservative starting points, not guarantees), and no rule sets a fixed
// rate: adaptive backoff finds it from the receiver's own throttle replies,
// which every one of them documents. Tune them from your postmaster tools
// and logs. Each call returns a fresh slice the caller may modify.
func DefaultRules() []Rule {
	return []Rule{
		{
			// Gmail and Google Workspace: gmail-smtp-in.l.google.com,
			// aspmx.l.google.com, smtp.google.com, aspmx2.googlemail.com.
			// Google documents 421-4.7.28 ("unusual rate") and asks senders
			// to ramp up gradually; it publishes no per-IP numbers. 10
			// connections and 100 messages per connection are common
			// practice and rarely draw a 4.7.28 by themselves.
			Name:       "gmail",
			MXPatterns: []string{"*.google.com", "*.googlemail.com"},
		},
		{
			// Outlook.com, Hotmail and Microsoft 365 (Exchange Online
			// Protection): *.olc.protection.outlook.com for consumers,
			// <tenant>.mail.protection.outlook.com for businesses, one
			// infrastructure and one IP reputation. Microsoft documents
			// 451 4.7.650/4.7.651 (IP reputation throttling) but no
			// numbers; 10 connections is judgement.
			Name:       "outlook",
			MXPatterns: []string{"*.protection.outlook.com", "*.outlook.com"},
		},
		{
			// Yahoo and AOL: mta*.am0.yahoodns.net, mx-aol.mail.gm0.
			// yahoodns.net. Yahoo's published error codes (TS01-TS03,
			// TSS04) defer volume it did not expect, and its sender
			// guidance asks for few connections; 5 connections and 20
			// messages per connection are the figures commonly used by
			// bulk senders, not published by Yahoo.
			Name:               "yahoo",
			MXPatterns:         []string{"*.yahoodns.net"},
			MaxConnections:     5,
			MaxMessagesPerConn: 20,
		},
		{
			// Apple iCloud (icloud.com, me.com, mac.com):
			// mx01.mail.icloud.com. Apple publishes no limits; a smaller
			// receiver than the three above, so 5 connections and 50
			// messages per connection are judgement.
			Name:               "icloud",
			MXPatterns:         []string{"*.mail.icloud.com"},
			MaxConnections:     5,
			MaxMessagesPerConn: 50,
		},
		{
			// GMX and Web.de (United Internet): mx00.emig.gmx.net,
			// mx-ha03.web.de, and mx00.gmx.com for gmx.com. Their
			// postmaster pages ask bulk senders for few parallel
			// connections without a number; 5 and 50 are judgement.
			Name:               "gmx",
			MXPatterns:         []string{"*.gmx.net", "*.gmx.com", "*.web.de"},
			MaxConnections:     5,
			MaxMessagesPerConn: 50,
		},
		{
			// Mail.ru (mail.ru, bk.ru, list.ru, inbox.ru): mxs.mail.ru.
			// No published numbers; 5 and 50 are judgement.
			Name:               "mailru",
			MXPatterns:         []string{"*.mail.ru"},
			MaxConnections:     5,
			MaxMessagesPerConn: 50,
		},
		{
			// Everything else: 10 connections and 100 messages per
			// connection, as Postfix's default_destination_concurrency_
			// limit (20) halved for a bulk sender, and sluice's engine
			// default of 100 messages per connection. No rate bound.
			Name: DefaultRuleName,
		},
	}
}

// ParseRate parses a message rate written "N/s", "N/min" or "N/h" (also
// "second", "minute", "hour", "m", "h"), or a bare number of messages per
// second, and returns messages per second. "0" means no bound.
func ParseRate(s string) (float64, error) {
	num, unit, _ := strings.Cut(strings.TrimSpace(s), "/")
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || n < 0 || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, fmt.Errorf("shaping: rate %q: want a non-negative number of messages per s, min or h", s)
	}
	switch strings.ToLower(strings.TrimSpace(unit)) {
	case "", "s", "sec", "second":
		return n, nil
	case "m", "min", "minute":
		return n / 60, nil
	case "h", "hour":
		return n / 3600, nil
	}
	return 0, fmt.Errorf("shaping: rate %q: unknown unit %q (want s, min or h)", s, unit)
}

// rule is a validated Rule with its defaults filled in.
type rule struct {
	name               string
	maxConns           int
	maxMsgsPerConn     int
	maxRcptsPerTxn     int
	rate               float64 // 0: no bound
	burst              float64 // with a rate; 0 without
	connectTimeout     time.Duration
	commandTimeout     time.Duration
	factor             float64
	quiet              time.Duration
	hold               time.Duration // see Rule.QuietPeriod
	minRate            float64
	suspendAfter       int
	suspendFor         time.Duration
	suspendMax         time.Duration
	domains, mxPattern []string // normalised
}

// compile checks r and fills in its defaults.
func compile(r Rule) (*rule, error) {
	if err := checkName(r.Name); err != nil {
		return nil, err
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("shaping: rule %q: "+format, append([]any{r.Name}, args...)...)
	}
	if err := checkRule(r, fail); err != nil {
		return nil, err
	}
	c, err := fillRule(r, fail)
	if err != nil {
		return nil, err
	}
	if err := c.addNames(r, fail); err != nil {
		return nil, err
	}
	return c, nil
}

// failFunc makes a rule's error: "shaping: rule NAME: " and the format.
type failFunc func(format string, args ...any) error

// checkRule checks what r says on its own: what it matches (the default
// rule nothing, every other rule something) and that no number is
// negative (nor a rate NaN or infinite), a backoff factor below 1.
func checkRule(r Rule, fail failFunc) error {
	isDefault := r.Name == DefaultRuleName
	switch {
	case isDefault && len(r.Domains)+len(r.MXPatterns) > 0:
		return fail("the default rule matches everything else; it takes no domains or MX patterns")
	case !isDefault && len(r.Domains)+len(r.MXPatterns) == 0:
		return fail("no domains or MX patterns: it would match nothing")
	}
	for _, v := range []struct {
		name string
		v    int
	}{{"max connections", r.MaxConnections}, {"max messages per connection", r.MaxMessagesPerConn},
		{"max recipients per transaction", r.MaxRcptsPerTxn}, {"burst", r.Burst}, {"suspend after", r.SuspendAfter}} {
		if v.v < 0 {
			return fail("%s is negative", v.name)
		}
	}
	for _, v := range []struct {
		name string
		v    time.Duration
	}{{"connect timeout", r.ConnectTimeout}, {"command timeout", r.CommandTimeout}, {"quiet period", r.QuietPeriod},
		{"suspension", r.SuspendFor}, {"maximum suspension", r.SuspendMax}} {
		if v.v < 0 {
			return fail("%s is negative", v.name)
		}
	}
	for _, v := range []struct {
		name string
		v    float64
	}{{"rate", r.Rate}, {"minimum rate", r.MinRate}, {"backoff factor", r.BackoffFactor}} {
		if v.v < 0 || math.IsNaN(v.v) || math.IsInf(v.v, 0) {
			return fail("%s must be a non-negative number", v.name)
		}
	}
	if r.BackoffFactor >= 1 {
		return fail("backoff factor %v must be below 1", r.BackoffFactor)
	}
	return nil
}

// fillRule makes checked r a rule with its defaults filled in, and checks
// what only holds with them: a minimum rate not above the rate, a
// maximum suspension not shorter than the first.
func fillRule(r Rule, fail failFunc) (*rule, error) {
	c := &rule{
		name:           r.Name,
		maxConns:       orInt(r.MaxConnections, defaultMaxConnections),
		maxMsgsPerConn: orInt(r.MaxMessagesPerConn, defaultMaxMsgsPerConn),
		maxRcptsPerTxn: orInt(r.MaxRcptsPerTxn, defaultMaxRcptsPerTxn),
		rate:           r.Rate,
		connectTimeout: r.ConnectTimeout,
		commandTimeout: r.CommandTimeout,
		factor:         r.BackoffFactor,
		quiet:          orDur(r.QuietPeriod, defaultQuietPeriod),
		minRate:        r.MinRate,
		suspendAfter:   orInt(r.SuspendAfter, defaultSuspendAfter),
		suspendFor:     orDur(r.SuspendFor, defaultSuspendFor),
		suspendMax:     orDur(r.SuspendMax, defaultSuspendMax),
	}
	if c.factor == 0 {
		c.factor = defaultBackoffFactor
	}
	if c.minRate == 0 {
		c.minRate = defaultMinRate
		if c.rate > 0 {
			c.minRate = min(c.minRate, c.rate)
		}
	}
	if c.rate > 0 {
		c.burst = float64(r.Burst)
		if c.burst == 0 {
			c.burst = max(1, math.Ceil(c.rate))
		}
		if c.minRate > c.rate {
			return nil, fail("minimum rate %v is above the rate %v", c.minRate, c.rate)
		}
	}
	c.hold = max(minCutHold, c.quiet/10)
	if c.suspendMax < c.suspendFor {
		return nil, fail("maximum suspension %v is shorter than the first (%v)", c.suspendMax, c.suspendFor)
	}
	return c, nil
}

// addNames normalises r's domains and MX patterns (a host name or
// *.domain) into c, refusing a malformed one.
func (c *rule) addNames(r Rule, fail failFunc) error {
	for _, d := range r.Domains {
		n := normalizeName(d)
		if !validHostName(n) {
			return fail("bad domain %q", d)
		}
		c.domains = append(c.domains, n)
	}
	for _, p := range r.MXPatterns {
		n := normalizeName(p)
		if !validHostName(strings.TrimPrefix(n, "*.")) {
			return fail("bad MX pattern %q: want a host name or *.domain", p)
		}
		c.mxPattern = append(c.mxPattern, n)
	}
	return nil
}

func checkName(name string) error {
	if name == "" {
		return errors.New("shaping: a rule has no name")
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
		default:
			return fmt.Errorf("shaping: rule name %q: only letters, digits, '-', '_' and '.'", name)
		}
	}
	return nil
}

func orInt(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}

func orDur(v, d time.Duration) time.Duration {
	if v == 0 {
		return d
	}
	return v
}

// normalizeName lower-cases an ASCII host or domain name and drops a
// trailing dot, allocating only when it must.
func normalizeName(s string) string {
	s = strings.TrimSuffix(s, ".")
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// validHostName reports whether s (normalised) is a plausible DNS name:
// non-empty labels of letters, digits, '-' and '_', at most 253 octets.
// Internationalised names arrive as A-labels (xn--…).
func validHostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			switch c := label[i]; {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
			default:
				return false
			}
		}
	}
	return true
}
