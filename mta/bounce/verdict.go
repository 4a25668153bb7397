package bounce

// ReplyVerdict is [Classifier.ReplyFrom]'s class and reason as plain
// strings: the verdict the events store records with a deferred or failed
// event, next to the receiver's reply (events.Classify).
func (c *Classifier) ReplyVerdict(site string, code int, enhanced, text string) (class, reason string) {
	r := c.ReplyFrom(site, code, enhanced, text)
	return string(r.Class), string(r.Reason)
}
