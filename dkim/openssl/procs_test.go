package openssl

import (
	"runtime"
	"testing"
)

// GOMAXPROCS grows (doubles, by at most MaxExtraProcs) only when OpenSSL
// signs RSA and GOMAXPROCS is not set; an operator's GOMAXPROCS wins.
// Not parallel: it sets the process's GOMAXPROCS and environment.
func TestRaiseProcs(t *testing.T) {
	base := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(base)
	t.Setenv("GOMAXPROCS", "")
	if got := RaiseProcs(false); got != 0 || runtime.GOMAXPROCS(0) != base {
		t.Fatalf("no OpenSSL RSA: RaiseProcs = %d, GOMAXPROCS %d, want unchanged %d", got, runtime.GOMAXPROCS(0), base)
	}
	want := base + min(base, MaxExtraProcs)
	if got := RaiseProcs(true); got != want || runtime.GOMAXPROCS(0) != want {
		t.Fatalf("OpenSSL RSA: RaiseProcs = %d, GOMAXPROCS %d, want %d", got, runtime.GOMAXPROCS(0), want)
	}
	runtime.GOMAXPROCS(16)
	if got := RaiseProcs(true); got != 16+MaxExtraProcs {
		t.Fatalf("16 Ps: RaiseProcs = %d, want %d (capped)", got, 16+MaxExtraProcs)
	}
	runtime.GOMAXPROCS(base)
	t.Setenv("GOMAXPROCS", "3")
	if got := RaiseProcs(true); got != 0 || runtime.GOMAXPROCS(0) != base {
		t.Fatalf("GOMAXPROCS set: RaiseProcs = %d, GOMAXPROCS %d, want unchanged %d", got, runtime.GOMAXPROCS(0), base)
	}
}
