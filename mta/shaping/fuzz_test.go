package shaping

import (
	"math"
	"testing"
	"time"
)

// FuzzIsThrottle: any reply is answered without panicking, only 4xx
// replies are throttles or greylistings, and never both.
func FuzzIsThrottle(f *testing.F) {
	for _, sig := range throttleSignals {
		f.Add(sig.example)
	}
	for _, sig := range notThrottle {
		f.Add(sig.example)
	}
	for _, sig := range greylistSignals {
		f.Add(sig.example)
	}
	for _, sig := range receiverCondition {
		f.Add(sig.example)
	}
	f.Add("")
	f.Add("4")
	f.Fuzz(func(t *testing.T, reply string) {
		code := 0
		text := reply
		if len(reply) >= 3 {
			code = int(reply[0])*100 + int(reply[1])*10 + int(reply[2]) - 111*'0'
			text = reply[3:]
		}
		th, gl := IsThrottle(code, "", text), IsGreylist(code, "", text)
		if (th || gl) && (code < 400 || code > 499) {
			t.Errorf("code %d is a throttle (%v) or greylisting (%v)", code, th, gl)
		}
		if th && gl {
			t.Errorf("%q is both a throttle and greylisting", reply)
		}
	})
}

// FuzzParseRate: any text parses to a usable rate or an error.
func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"10", "10/s", "600/min", "1/h", "-1", "NaN", "1e400/s", "0x10/m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate(s)
		if err == nil && (r < 0 || math.IsNaN(r) || math.IsInf(r, 0)) {
			t.Errorf("ParseRate(%q) = %v", s, r)
		}
	})
}

// FuzzPolicy: rules and names from anywhere either fail validation or
// give a Policy whose calls do not panic.
func FuzzPolicy(f *testing.F) {
	f.Add("gmail", "*.google.com", "gmail.com", "gmail-smtp-in.l.google.com", 5, 1.5, 3)
	f.Add("default", "", "", "", 0, 0.0, -1)
	f.Fuzz(func(t *testing.T, name, pattern, domain, host string, conns int, rate float64, n int) {
		clock := newFakeClock()
		p, err := New([]Rule{{Name: name, MXPatterns: []string{pattern}, Domains: []string{domain}, MaxConnections: conns, Rate: rate}}, Options{Now: clock.Now})
		if err != nil {
			return
		}
		k := Key{Source: host, Site: p.Site(domain, []string{host, pattern})}
		for i := range 3 {
			p.AcquireConn(k)
			p.Reserve(k, n)
			p.Observe(k, Outcome(i+n%8), host)
			p.ShedConn(k)
			clock.Advance(time.Duration(n) * time.Second)
			if l := p.Limits(k); l.MaxConnections < 1 || l.Rate < 0 {
				t.Fatalf("limits %+v", l)
			}
		}
	})
}
