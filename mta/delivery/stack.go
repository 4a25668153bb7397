package delivery

// growStack grows the calling goroutine's stack past 16 KiB while the
// goroutine is still shallow. A delivery worker's deepest calls (setting
// a connection's deadline takes the runtime's timer lock several frames
// below the SMTP client) outgrow the 8 KiB a goroutine starts with; the
// runtime then copies the whole stack, adjusting every frame on it, which
// cost 1.8 % of sluice's CPU end to end (bench/RESULTS.md, 2026-12-07
// 22:00) because workers come and go with the queue. Copying a stack one
// frame deep instead costs next to nothing.
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
