package tracking

import (
	"bytes"
	"hash/maphash"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"
)

// Class is the classification of one open or click.
type Class struct {
	// Machine is true for software (scanners, prefetching proxies), false
	// for a person, possibly through a proxy that fetches on their behalf.
	Machine bool
	// Reason says why a request is a machine's: "head", "honeypot",
	// "scanner_agent", "scanner_ip", "early", "burst", "no_agent",
	// "apple_mpp". Empty for a person.
	Reason string
	// Proxy names the image proxy of an open: "google", "yahoo", "apple",
	// or empty.
	Proxy string
	// Agent is the user agent's class: "browser", "apple_proxy",
	// "google_proxy", "yahoo_proxy", "scanner", "unknown".
	Agent string
}

// User-agent classes.
const (
	agentBrowser = "browser"
	agentApple   = "apple_proxy"
	agentGoogle  = "google_proxy"
	agentYahoo   = "yahoo_proxy"
	agentScanner = "scanner"
	agentUnknown = "unknown"
)

// DefaultScannerAgents returns the user-agent substrings (matched without
// regard to case) of the security scanners, link checkers and HTTP
// libraries that fetch links in mail without a person: the defaults of
// Config.ScannerAgents. Bare libraries are included because no mail client
// or browser sends their agents.
func DefaultScannerAgents() []string {
	return []string{
		"barracuda", "mimecast", "proofpoint", "urldefense", "messagelabs",
		"symantec", "forcepoint", "trendmicro", "trend micro", "sophos",
		"fortiguard", "ironport", "cisco", "safelinks", "microsoft office protocol",
		"zscaler", "checkpoint", "virustotal", "bitdefender", "kaspersky",
		"headlesschrome", "phantomjs", "python-requests", "python-urllib",
		"go-http-client", "curl/", "wget/", "libwww-perl", "java/", "okhttp",
		"apache-httpclient", "node-fetch", "axios/", "scrapy", "bot/", "bot;",
		"spider", "crawler",
	}
}

// classifier holds what classification needs from the config, prepared.
type classifier struct {
	apple, scanners prefixSet
	agents          [][]byte // lower case
	appleHuman      bool
	window, burstW  time.Duration
	burst           *burstCache
	agentSeed       maphash.Seed
	agentCache      [agentSlots]atomic.Pointer[agentSlot]
}

// agentSlots is the size of the user-agent cache: real traffic has few
// distinct agents (a few thousand mail clients and proxies), and each costs
// dozens of substring searches to classify.
const agentSlots = 4096

// agentInfo is what a user agent alone tells.
type agentInfo struct {
	empty   bool // no agent, or only spaces
	scanner bool
	proxy   string // "google", "yahoo" or ""
	class   string
}

// agentSlot is a cache entry: a direct-mapped slot, replaced on collision.
type agentSlot struct {
	ua   string
	info agentInfo
}

func newClassifier(cfg *Config) *classifier {
	c := &classifier{
		apple:      newPrefixSet(cfg.AppleCIDRs),
		scanners:   newPrefixSet(cfg.ScannerCIDRs),
		appleHuman: cfg.AppleOpensHuman,
		window:     cfg.ScannerWindow,
		burstW:     cfg.BurstWindow,
		agentSeed:  maphash.MakeSeed(),
	}
	for _, a := range cfg.ScannerAgents {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
			c.agents = append(c.agents, []byte(a))
		}
	}
	if c.burstW > 0 {
		c.burst = newBurstCache(cfg.BurstEntries)
	}
	return c
}

// request is what classification looks at.
type request struct {
	ip      netip.Addr
	agent   []byte
	head    bool
	now     time.Time
	message uint64 // the spool's id: acceptance time in µs
	rcpt    uint32
	link    int
}

// maxAgent bounds the user agent examined.
const maxAgent = 512

// isScannerAgent reports whether ua contains a scanner substring, ignoring
// case.
func (c *classifier) isScannerAgent(ua []byte) bool {
	var buf [maxAgent]byte
	if len(ua) > maxAgent {
		ua = ua[:maxAgent]
	}
	low := buf[:len(ua)]
	for i, b := range ua {
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		low[i] = b
	}
	for _, a := range c.agents {
		if bytes.Contains(low, a) {
			return true
		}
	}
	return false
}

// early reports whether now is within the scanner window of the message's
// acceptance, which its id records in microseconds.
func (c *classifier) early(r *request) bool {
	if c.window <= 0 || r.message == 0 || r.message > 1<<62 {
		return false
	}
	accepted := time.UnixMicro(int64(r.message))
	return r.now.Sub(accepted) < c.window
}

// agent classifies a user agent, through the cache.
func (c *classifier) agent(ua []byte) agentInfo {
	if len(ua) > maxAgent {
		return c.classifyAgent(ua)
	}
	slot := &c.agentCache[maphash.Bytes(c.agentSeed, ua)%agentSlots]
	if e := slot.Load(); e != nil && e.ua == string(ua) {
		return e.info
	}
	info := c.classifyAgent(ua)
	slot.Store(&agentSlot{ua: string(ua), info: info})
	return info
}

// classifyAgent classifies a user agent.
func (c *classifier) classifyAgent(ua []byte) agentInfo {
	switch {
	// Gmail's proxy fetches when the message is opened; its agent ends in
	// "(via ggpht.com GoogleImageProxy)".
	case bytes.Contains(ua, []byte("GoogleImageProxy")) || bytes.Contains(ua, []byte("ggpht.com")):
		return agentInfo{proxy: "google", class: agentGoogle}
	// Yahoo's image proxy ("YahooMailProxy; https://help.yahoo.com/…").
	case bytes.Contains(ua, []byte("YahooMailProxy")):
		return agentInfo{proxy: "yahoo", class: agentYahoo}
	case c.isScannerAgent(ua):
		return agentInfo{scanner: true, class: agentScanner}
	case len(bytes.TrimSpace(ua)) == 0:
		return agentInfo{empty: true, class: agentUnknown}
	}
	return agentInfo{class: agentClass(ua)}
}

// agentClass is the class of an agent that is neither a proxy nor a
// scanner.
func agentClass(ua []byte) string {
	if hasPrefix(ua, "Mozilla/") || hasPrefix(ua, "Opera/") {
		return agentBrowser
	}
	return agentUnknown
}

// Open classifies an open.
func (c *classifier) Open(r *request) Class {
	a := c.agent(r.agent)
	switch {
	case r.head:
		return Class{Machine: true, Reason: "head", Agent: a.class}
	case a.proxy != "":
		return Class{Proxy: a.proxy, Agent: a.class}
	case a.scanner:
		return Class{Machine: true, Reason: "scanner_agent", Agent: a.class}
	case c.scanners.contains(r.ip):
		return Class{Machine: true, Reason: "scanner_ip", Agent: a.class}
	// Apple Mail Privacy Protection fetches remote content of every
	// message from Apple's proxies on delivery, read or not.
	case c.apple.contains(r.ip):
		if c.appleHuman {
			return Class{Proxy: "apple", Agent: agentApple}
		}
		return Class{Machine: true, Reason: "apple_mpp", Proxy: "apple", Agent: agentApple}
	case c.early(r):
		return Class{Machine: true, Reason: "early", Agent: a.class}
	case a.empty:
		return Class{Machine: true, Reason: "no_agent", Agent: agentUnknown}
	}
	return Class{Agent: a.class}
}

// Click classifies a click. Every click goes through the burst cache, so
// that a scanner's first click is remembered even if another rule caught it.
func (c *classifier) Click(r *request) Class {
	a := c.agent(r.agent)
	burst := false
	if c.burst != nil {
		burst = c.burst.click(r.message, r.rcpt, r.link, r.now, c.burstW)
	}
	switch {
	case r.link == HoneypotLink:
		return Class{Machine: true, Reason: "honeypot", Agent: a.class}
	case r.head:
		return Class{Machine: true, Reason: "head", Agent: a.class}
	case a.scanner:
		return Class{Machine: true, Reason: "scanner_agent", Agent: a.class}
	case c.scanners.contains(r.ip):
		return Class{Machine: true, Reason: "scanner_ip", Agent: a.class}
	case c.early(r):
		return Class{Machine: true, Reason: "early", Agent: a.class}
	case burst:
		return Class{Machine: true, Reason: "burst", Agent: a.class}
	case a.empty:
		return Class{Machine: true, Reason: "no_agent", Agent: agentUnknown}
	}
	// Clicks from Apple's ranges are iCloud Private Relay users: people.
	return Class{Agent: a.class}
}
