package bounce

import (
	"html"
	"sort"
	"strings"
)

// isBounce recognises a non-standard bounce by strong evidence: Exim's
// X-Failed-Recipients header, a multipart/report announcing delivery
// status, a mailer-daemon or postmaster sender, a bounce subject, or the
// stock wording of an MTA near the top of the text.
func (c *Classifier) isBounce(e *entity, head string) bool {
	if e.top.get("x-failed-recipients") != "" || e.reportType == "delivery-status" {
		return true
	}
	if c.re.daemon.MatchString(c.decodeWords(e.top.get("from"))) {
		return true
	}
	if e.top.get("list-id") != "" || e.top.get("list-unsubscribe") != "" {
		// Mailing-list traffic (a newsletter sent to the bounce address)
		// is no bounce, whatever its subject or wording.
		return false
	}
	if c.re.bounceSubject.MatchString(e.ownSubject) && !c.re.replySubject.MatchString(e.subject) {
		return true
	}
	if len(head) > 4<<10 {
		head = head[:4<<10]
	}
	return c.re.bounceBody.MatchString(head)
}

// plainResults reads a bounce written for people: it finds the failed
// recipients, the text that belongs to each, the remote reply quoted in
// it, and classifies each recipient on that reply and text.
func (c *Classifier) plainResults(e *entity, head string) []Result {
	excl := c.exclusions(e, head)
	rcpts := c.recipients(e, head, excl)
	if len(rcpts) == 0 {
		if a := c.returnedTo(e, excl); a != "" {
			rcpts = []string{a}
		}
	}
	if len(rcpts) == 0 {
		// "Undeliverable: jane@example.net", "Delivery failure to <…>"
		for _, a := range c.re.addr.FindAllString(e.ownSubject, 4) {
			if a = cleanAddr(a); !excl[strings.ToLower(a)] {
				rcpts = []string{a}
				break
			}
		}
	}
	action := "failed"
	if c.re.delaySubject.MatchString(e.ownSubject) || c.re.delayBody.MatchString(head) {
		action = "delayed"
	}
	single := len(rcpts) <= 1
	if len(rcpts) == 0 {
		rcpts = []string{""}
	}
	res := make([]Result, 0, len(rcpts))
	segs := newSegmenter(head, rcpts)
	for _, rc := range rcpts {
		res = append(res, c.plainBlocks(rc, segs.blocks(rc, 3), head, action, single))
	}
	return res
}

// plainBlocks classifies a recipient that may have several blocks
// (Exchange and Office 365 name each address in the human part and again,
// with the remote reply, under "Diagnostic information for
// administrators"): the first decisive verdict wins, else the first that
// says anything, else the first; a verdict without a status takes one
// from a later block of the same class.
func (c *Classifier) plainBlocks(rc string, blocks []string, head, action string, single bool) Result {
	rs := make([]Result, len(blocks))
	for i, seg := range blocks {
		rs[i] = c.plainOne(rc, seg, head, action, single)
	}
	pick := 0
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].Reason != ReasonUnclassified && (rs[pick].Reason == ReasonUnclassified || !rs[pick].Decisive || rs[i].Decisive) {
			pick = i
		}
	}
	r := rs[pick]
	for _, o := range rs {
		if r.Status == "" && o.Status != "" && o.Class == r.Class {
			r.Status = o.Status
		}
	}
	return r
}

// plainOne classifies one recipient of a plain bounce on its block of
// text (seg, "" if none was found) and the reply quoted in it.
func (c *Classifier) plainOne(rc, seg, head, action string, single bool) Result {
	if seg == "" {
		seg = head
		if len(seg) > maxSegment {
			seg = seg[:maxSegment]
		}
	}
	fr, ok := c.findReply(seg)
	if !ok && single {
		fr, ok = c.findReply(head)
	}
	texts := []string{fr.text, seg}
	if single && len(head) > len(seg) {
		texts = append(texts, head)
	}
	status := validEnhanced(fr.enhanced)
	if status == "" {
		status = c.findEnhanced(seg)
	}
	v := c.classify(signal{code: fr.code, enhanced: status, action: action, texts: texts, sites: []string{domainOf(rc)}})
	why := fr.line
	if !ok || (v.text > 0 && fr.line == "") {
		if v.text > 0 {
			why = lineAt(texts[v.text], v.pos)
		} else {
			why = firstLine(seg, rc)
		}
	}
	return v.result(rc, status, why)
}

// exclusions lists addresses that are not failed recipients: the bounce's
// own sender and addressees (the bounce goes to sluice's VERP address), the
// sender of the returned message, and any address the text gives after
// MAIL FROM (a sender-verify callout quotes it in RCPT TO too).
func (c *Classifier) exclusions(e *entity, head string) map[string]bool {
	m := map[string]bool{}
	add := func(v string) {
		for _, a := range c.re.addr.FindAllString(v, 20) {
			m[strings.ToLower(cleanAddr(a))] = true
		}
	}
	for _, name := range []string{"from", "to", "cc", "reply-to", "sender", "return-path",
		"delivered-to", "x-original-to", "envelope-to"} {
		add(e.top.get(name))
	}
	for _, h := range e.returned {
		for _, name := range []string{"from", "sender", "reply-to", "return-path"} {
			add(h.get(name))
		}
	}
	for _, s := range c.re.mailFrom.FindAllStringSubmatch(head, 8) {
		add(s[1])
	}
	for _, s := range c.re.inlineFrom.FindAllStringSubmatch(inlineHeaders(e.tail), 4) {
		add(s[1])
	}
	return m
}

// inlineHeaders returns the header block of a returned copy quoted inline
// in a bounce's text (tail, from splitReturned): from its first header
// line to the first empty line after it, bounded.
func inlineHeaders(tail string) string {
	if len(tail) > maxSegment*4 {
		tail = tail[:maxSegment*4]
	}
	start := 0
	for line := range strings.SplitAfterSeq(tail, "\n") {
		if i := strings.IndexByte(line, ':'); i > 0 && isFieldName([]byte(strings.TrimSpace(line[:i]))) {
			break
		}
		start += len(line)
	}
	tail = tail[start:]
	if end := strings.Index(tail, "\n\n"); end >= 0 {
		tail = tail[:end]
	}
	if end := strings.Index(tail, "\r\n\r\n"); end >= 0 {
		tail = tail[:end]
	}
	return tail
}

// candidate is an address found in a bounce's text, where, and whether
// it was found by strong evidence (X-Failed-Recipients, RCPT TO, a DSN
// field, an address in angle brackets opening a line).
type candidate struct {
	addr   string
	pos    int
	strong bool
}

// recipients finds the failed recipients in a bounce's text, by evidence:
// X-Failed-Recipients, "RCPT TO:<…>", Final-Recipient lines and addresses
// in angle brackets at the start of a line (Postfix, qmail, Sendmail), and
// lines that hold little but one address (Exim, Exchange, Domino and most
// localised bounces list recipients that way). Only if none of these is
// found is the first address in the prose taken.
func (c *Classifier) recipients(e *entity, head string, excl map[string]bool) []string {
	var found []candidate
	for _, v := range e.top.all("x-failed-recipients") {
		for _, a := range c.re.addr.FindAllString(v, maxRecipients) {
			found = append(found, candidate{cleanAddr(a), -1, true})
		}
	}
	for _, m := range c.re.rcptTo.FindAllStringSubmatchIndex(head, maxRecipients) {
		found = append(found, candidate{cleanAddr(head[m[2]:m[3]]), m[2], true})
	}
	var prose []candidate
	pos := 0
	for line := range strings.SplitAfterSeq(head, "\n") {
		start := pos
		pos += len(line)
		if !strings.Contains(line, "@") || c.re.headerLine.MatchString(line) {
			continue
		}
		locs := c.re.addr.FindAllStringIndex(line, 8)
		if len(locs) == 0 {
			continue
		}
		first := cleanAddr(line[locs[0][0]:locs[0][1]])
		rest := line
		one := true
		for i := len(locs) - 1; i >= 0; i-- {
			if !strings.EqualFold(cleanAddr(line[locs[i][0]:locs[i][1]]), first) {
				one = false
			}
			rest = rest[:locs[i][0]] + rest[locs[i][1]:]
		}
		if one && c.re.helpAddr.MatchString(line[:locs[0][0]]) {
			// "please contact the list owners: list-request@…"
			continue
		}
		if one && len(strings.TrimSpace(rest)) <= 40 {
			found = append(found, candidate{first, start + locs[0][0], false})
		} else if !one && c.isList(line, locs) {
			// "Delivery has failed to these recipients: a@x; b@x, c@x and d@x"
			for _, l := range locs {
				found = append(found, candidate{cleanAddr(line[l[0]:l[1]]), start + l[0], false})
			}
		} else if !c.inURL(line, locs[0][0]) {
			prose = append(prose, candidate{first, start + locs[0][0], false})
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].pos < found[j].pos })
	c.unexpand(found, head)
	out := c.keep(found, excl, maxRecipients)
	if len(out) == 0 {
		out = c.keep(prose, excl, 1)
	}
	return out
}

// unexpand replaces each address the reporting MTA expanded an alias or
// forward into by the address it was sent to (Exim's "(generated from
// …)", Postfix's "(expanded from <…>)"): that is the address sluice
// knows, and the expanded one's lines belong to it.
func (c *Classifier) unexpand(cs []candidate, head string) {
	ms := c.re.expandedFrom.FindAllStringSubmatch(head, maxRecipients)
	if len(ms) == 0 {
		return
	}
	orig := make(map[string]string, len(ms))
	for _, m := range ms {
		orig[strings.ToLower(cleanAddr(m[1]))] = cleanAddr(m[2])
	}
	for i := range cs {
		if o, ok := orig[strings.ToLower(cs[i].addr)]; ok {
			cs[i].addr = o
		}
	}
}

// isList reports whether the addresses found on a line form a list: only
// separators between them ("a@x, b@x; c@x and d@x") and a short tail after the
// last. Whatever introduces the list may come before the first.
func (c *Classifier) isList(line string, locs [][]int) bool {
	for k := 1; k < len(locs); k++ {
		if !c.re.listSep.MatchString(line[locs[k-1][1]:locs[k][0]]) {
			return false
		}
	}
	return len(strings.TrimSpace(line[locs[len(locs)-1][1]:])) <= 60
}

// inURL reports whether the address at i is part of a URL or mailto link.
func (c *Classifier) inURL(line string, i int) bool {
	return i > 0 && strings.ContainsRune("/=?&", rune(line[i-1]))
}

// keep filters candidates: no excluded, daemon or VERP addresses, no
// duplicates, at most n. Role accounts (support@, abuse@…) are kept only
// on strong evidence: on a line of their own they are more likely the help
// address of the bounce's author than a failed recipient.
func (c *Classifier) keep(cs []candidate, excl map[string]bool, n int) []string {
	var out []string
	seen := map[string]bool{}
	for _, cd := range cs {
		k := strings.ToLower(cd.addr)
		local, _, _ := strings.Cut(k, "@")
		if k == "" || seen[k] || excl[k] || c.re.daemon.MatchString(local) ||
			c.re.verp.MatchString(cd.addr) || c.re.noreply.MatchString(local) ||
			(!cd.strong && c.re.role.MatchString(local)) {
			continue
		}
		seen[k] = true
		out = append(out, cd.addr)
		if len(out) == n {
			break
		}
	}
	return out
}

// returnedTo is the last resort for a bounce that names no recipient: the
// To of the returned message, attached or copied inline, if it has one
// address.
func (c *Classifier) returnedTo(e *entity, excl map[string]bool) string {
	var vals []string
	for _, h := range e.returned {
		vals = append(vals, h.get("to"))
	}
	if m := c.re.inlineTo.FindStringSubmatch(e.tail); m != nil {
		vals = append(vals, m[1])
	}
	for _, v := range vals {
		as := c.re.addr.FindAllString(v, 2)
		if len(as) == 1 && !excl[strings.ToLower(cleanAddr(as[0]))] {
			return cleanAddr(as[0])
		}
	}
	return ""
}

// segmenter cuts a bounce's text into the parts that belong to each
// recipient. It finds every recipient's mentions once, so a bounce listing
// many recipients costs linear, not quadratic, work.
type segmenter struct {
	text     string
	mentions map[string][]int // ASCII-lowercased address → offsets, at most 16
}

func newSegmenter(text string, addrs []string) *segmenter {
	// ASCII-only folding keeps byte offsets valid in text.
	lt := asciiLower(text)
	s := &segmenter{text: text, mentions: make(map[string][]int, len(addrs))}
	for _, a := range addrs {
		la := asciiLower(a)
		if _, ok := s.mentions[la]; ok || la == "" {
			continue
		}
		var at []int
		for from := 0; len(at) < 16; {
			i := strings.Index(lt[from:], la)
			if i < 0 {
				break
			}
			at = append(at, from+i)
			from += i + len(la)
		}
		s.mentions[la] = at
	}
	return s
}

// segment returns the part of the text that belongs to one recipient: from
// the line before its first mention to the next mention of another
// recipient, at most maxSegment bytes; "" if it is not mentioned.
func (s *segmenter) segment(addr string) string {
	return s.blocks(addr, 1)[0]
}

// blocks returns up to n blocks of text that belong to addr: one for each
// mention alone on its line, in order, or the one segment gives; [""] if
// addr is never mentioned.
func (s *segmenter) blocks(addr string, n int) []string {
	la := asciiLower(addr)
	at := s.mentions[la]
	if len(at) == 0 {
		return []string{""}
	}
	// A mention alone on its line opens the recipient's block (Exim,
	// Exchange's "Diagnostic information for administrators"); an earlier
	// mention in a list of recipients does not.
	var out []string
	for _, j := range at {
		if len(out) < n && s.alone(j, len(la)) {
			out = append(out, s.blockAt(la, j))
		}
	}
	if len(out) == 0 {
		out = append(out, s.blockAt(la, at[0]))
	}
	return out
}

// blockAt is the block of the mention of la at i: from its line (or the
// line before, which often introduces it) to the next line that mentions
// another recipient, at most maxSegment.
func (s *segmenter) blockAt(la string, i int) string {
	start := strings.LastIndexByte(s.text[:i], '\n') + 1
	// The line before a mention often introduces it ("The following
	// address failed:"), but when another recipient was mentioned earlier
	// that line is the end of the other recipient's diagnostic: taking it
	// would copy one recipient's reply to the next.
	if start > 0 && !s.mentionedBefore(la, i) {
		start = strings.LastIndexByte(s.text[:start-1], '\n') + 1
	}
	end := min(len(s.text), i+maxSegment)
	for o, js := range s.mentions {
		if o == la || strings.Contains(o, la) {
			continue
		}
		for _, j := range js {
			if j > i && j < end {
				end = j
				// Keep the other recipient's line out.
				if k := strings.LastIndexByte(s.text[i:end], '\n'); k > 0 {
					end = i + k
				}
				break
			}
		}
	}
	return s.text[start:end]
}

// alone reports whether the mention at i, n bytes long, is the only
// thing on its line but punctuation.
func (s *segmenter) alone(i, n int) bool {
	ls := strings.LastIndexByte(s.text[:i], '\n') + 1
	le := strings.IndexByte(s.text[i:], '\n')
	if le < 0 {
		le = len(s.text)
	} else {
		le += i
	}
	return strings.Trim(s.text[ls:i]+s.text[i+n:le], " \t\r<>:;,()") == ""
}

// mentionedBefore reports whether a recipient other than la is mentioned
// before offset i.
func (s *segmenter) mentionedBefore(la string, i int) bool {
	for o, js := range s.mentions {
		if o != la && !strings.Contains(o, la) && len(js) > 0 && js[0] < i {
			return true
		}
	}
	return false
}

// firstLine returns the first line of a segment that says more than the
// recipient's address, as the reason when no reply or rule located one.
func firstLine(seg, addr string) string {
	for line := range strings.SplitSeq(seg, "\n") {
		l := strings.TrimSpace(line)
		rest := strings.Trim(strings.ReplaceAll(strings.ToLower(l), strings.ToLower(addr), ""), " <>:()'\"")
		if len(rest) > 3 {
			return l
		}
	}
	return ""
}

// splitReturned splits a bounce's text where the copy of the returned
// message begins (Exim's "This is a copy of the message", qmail's "Below
// this line is a copy", Exchange's "Original message headers", or the
// first Received or Return-Path line); head is bounded to maxHead.
func (c *Classifier) splitReturned(text string) (head, tail string) {
	head, tail = text, ""
	if loc := c.re.returnedCut.FindStringIndex(text); loc != nil {
		head, tail = text[:loc[0]], text[loc[0]:]
	}
	if len(head) > maxHead {
		head = head[:maxHead]
	}
	return head, tail
}

// dropFooters removes from a bounce's text what is not diagnostic: the
// paragraphs of signatures (from a "-- " line), of stamps by
// virus scanners, disclaimers and "sent from my" lines, which gateways
// append to the notices they pass and whose words ("virus", "blocked",
// "confidential") would otherwise be read as the cause. A paragraph that
// quotes a reply code is kept whatever it says.
func (c *Classifier) dropFooters(text string) string {
	if !c.re.footer.MatchString(text) {
		return text
	}
	// Paragraphs are found by their empty lines: one line ending first.
	text = strings.ReplaceAll(text, "\r\n", "\n")
	locs := c.re.footer.FindAllStringIndex(text, 32)
	var b strings.Builder
	last := 0
	for _, l := range locs {
		if l[0] < last {
			continue
		}
		start := l[0]
		if strings.TrimSpace(text[l[0]:l[1]]) != "--" {
			start = strings.LastIndex(text[:l[0]], "\n\n") + 1 // paragraph start, 0 if none
		}
		if start < last {
			start = last
		}
		end := strings.Index(text[l[1]:], "\n\n")
		if end < 0 {
			end = len(text)
		} else {
			end += l[1]
		}
		para := text[start:end]
		if c.re.enhanced.MatchString(para) || c.re.replyCode.MatchString(para) {
			continue
		}
		b.WriteString(text[last:start])
		last = end
	}
	b.WriteString(text[last:])
	return b.String()
}

// htmlText reduces an HTML part to its text: scripts and styles dropped,
// block ends turned into line breaks, tags removed, entities decoded.
func (c *Classifier) htmlText(s string) string {
	s = c.re.htmlDrop.ReplaceAllString(s, " ")
	s = c.re.htmlBreak.ReplaceAllString(s, "\n")
	s = c.re.htmlTag.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	var b strings.Builder
	for line := range strings.SplitSeq(s, "\n") {
		if l := collapse(line); l != "" {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// asciiLower lowercases ASCII letters only, so offsets into the result are
// offsets into s.
func asciiLower(s string) string {
	b := []byte(s)
	for i, x := range b {
		if x >= 'A' && x <= 'Z' {
			b[i] = x + 'a' - 'A'
		}
	}
	return string(b)
}
