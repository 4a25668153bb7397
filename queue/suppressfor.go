package queue

// SuppressedFor reports whether tenant's suppression of addr, if any,
// blocks mail of stream st, and its reason: an all-streams suppression
// (hard bounce, complaint) blocks every stream, a marketing-only one (an
// unsubscribe) blocks marketing mail only. Delivery asks it again before
// each attempt, since a suppression may have come after acceptance.
func (s *Store) SuppressedFor(tenant, addr string, st Stream) (reason string, blocked bool) {
	if sup, ok := s.Suppressed(tenant, addr); ok && sup.Scope.Blocks(st) {
		return sup.Reason, true
	}
	return "", false
}
