package shaping

import "sluice/mta/outbound"

// Greylisting (RFC 6647) defers the first delivery of each new (client IP,
// sender, recipient) triplet for a few minutes and accepts the retry. It
// says nothing about the sender's volume: every new recipient is deferred
// once however slowly it is sent, and cutting the site's connections or
// rate only delays the retries it asks for. So a greylisting reply is its
// own outcome, [Greylisted], which changes no limit; the queue's retry
// delivers the recipient later. Greylisting servers mostly answer
// "451 4.7.1", the enhanced code of the throttle table, so these rows are
// read first and win.
//
// greylistSignals lists the wordings: the word in its spellings (greylist,
// graylist, grey list, grey-listed…) covers Postgrey, milter-greylist,
// sqlgrey, Exim's greylistd, Rspamd's greylist module when it names itself,
// and the greylisting add-ons of Exchange and other gateways; Mimecast says
// neither. A greylister that answers only "451 4.7.1 Try again later" (as
// Rspamd's default message does) cannot be told from a rate limit and stays
// a throttle.
//
// Read-only: a table, not state.
var greylistSignals = [...]signal{
	{text: "greylist", example: "450 4.2.0 <jane@example.net>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.net.html"},
	{text: "graylist", example: "451 4.7.1 Graylisted, please try again later"},
	// The spellings apart from "greylist" (shape of: no log at hand).
	{text: "grey list", example: "451 4.7.1 You are grey listed, please try again in 300 seconds"},
	{text: "gray list", example: "451 4.7.1 Temporarily rejected: gray listing in effect"},
	{text: "grey-list", example: "451 4.7.1 Grey-listed, try again later"},
	{text: "gray-list", example: "450 4.7.1 Gray-listed, please retry later"},
	// Mimecast's greylisting reply, as its list of SMTP error codes gives
	// it (shape of).
	{text: "internal resource temporarily unavailable", example: "451 Internal resource temporarily unavailable"},
}

// IsGreylist reports whether an SMTP reply is a greylisting deferral:
// a 4xx reply (code, RFC 3463 enhanced code or "" to read it from text,
// and text, as in [outbound.Error]) whose text names greylisting in any of
// the wordings of greylistSignals, without regard to case.
func IsGreylist(code int, enhanced, text string) bool {
	if code < 400 || code > 499 {
		return false
	}
	if enhanced == "" {
		enhanced = outbound.ReplyError("", code, text).Enhanced
	}
	for i := range greylistSignals {
		if greylistSignals[i].matches(code, enhanced, text) {
			return true
		}
	}
	return false
}
