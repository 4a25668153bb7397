package smtp

// growStack grows the calling goroutine's stack past 16 KiB while it is
// still shallow (sluice). A session's Data runs deep (checks, the spool's
// group commit, timers taking the runtime's lock), deeper than the 8 KiB
// a goroutine starts with: the runtime then copies the whole stack,
// adjusting every frame on it — 2.5 % of sluice's CPU end to end with a
// connection per message. Called where a message's data begins, so that
// connections that never reach DATA keep the small stack.
//
//go:noinline
func growStack() byte {
	var b [12 << 10]byte
	return keepStack(b[:])
}

// keepStack keeps growStack's array (and so its frame) from being
// optimised away.
//
//go:noinline
func keepStack(b []byte) byte { return b[len(b)-1] }
