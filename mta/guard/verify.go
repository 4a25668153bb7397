package guard

import (
	"context"
	"sync"
	"time"
)

// verifySlots caps concurrent password verifications. bcrypt costs tens of
// milliseconds of a core each; without a cap, guesses from many sessions
// queue on every core and a real client's login waits behind them. Slots
// are a channel semaphore; attempts from addresses or pairs with failures
// on record (suspect) must first take one of a smaller set, so at least
// half the slots stay free for clients with a clean record.
type verifySlots struct {
	all     chan struct{}
	suspect chan struct{}
	wait    time.Duration
}

func newVerifySlots(n int, wait time.Duration) *verifySlots {
	return &verifySlots{
		all:     make(chan struct{}, n),
		suspect: make(chan struct{}, max(1, n/2)),
		wait:    wait,
	}
}

// acquire takes a slot within the bounded wait; false when none came.
func (v *verifySlots) acquire(ctx context.Context, suspect bool) (release func(), ok bool) {
	ctx, cancel := context.WithTimeout(ctx, v.wait) // a wait in real time, like a network deadline
	defer cancel()
	if suspect {
		select {
		case v.suspect <- struct{}{}:
		case <-ctx.Done():
			return nil, false
		}
	}
	select {
	case v.all <- struct{}{}:
	case <-ctx.Done():
		if suspect {
			<-v.suspect
		}
		return nil, false
	}
	return sync.OnceFunc(func() {
		<-v.all
		if suspect {
			<-v.suspect
		}
	}), true
}
