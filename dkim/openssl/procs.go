package openssl

import (
	"os"
	"runtime"
)

// MaxExtraProcs caps the Ps [RaiseProcs] adds.
const MaxExtraProcs = 4

// RaiseProcs raises GOMAXPROCS when RSA signatures are made here (inUse:
// some key's engine is OpenSSL), unless the environment sets GOMAXPROCS,
// and returns the new value (0 if unchanged). The process's main calls
// it once, after loading its keys.
//
// A cgo call keeps its P for the ~0.26 ms of an RSA-2048 signature until
// sysmon hands it off, and goroutines readied meanwhile (the spool's
// committer back from fdatasync, sessions woken by a commit) wait on the
// global run queue. Spare Ps let Go code run on the cores the signing
// threads leave. Measured with DKIM dual signing on 2 cores
// (bench/RESULTS.md): +2.4 % throughput at 4 Ps, +1 % at 3, worse at 6.
// The extra Ps are capped at MaxExtraProcs: only measured on a small
// machine, and a big one has Ps to spare. Setting GOMAXPROCS also stops
// the runtime from following a container's CPU limit as it changes;
// GOMAXPROCS in the environment keeps that.
func RaiseProcs(inUse bool) int {
	if !inUse || os.Getenv("GOMAXPROCS") != "" {
		return 0
	}
	n := runtime.GOMAXPROCS(0)
	procs := n + min(n, MaxExtraProcs)
	runtime.GOMAXPROCS(procs)
	return procs
}
