package fleet

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// StartNodeNumber is NodeNumber as a node's start takes it, within 10 s:
// a start that cannot get a number (ErrNoNodeNumber: Redis unreachable
// at the node's first start, or every number claimed) runs as 0, logged
// as an error, rather than not at all: mail goes on, its ids may then
// meet another unnumbered node's, and the number is claimed at the next
// start. Any other error (a bad node_number file) stops the start.
func StartNodeNumber(ctx context.Context, o MemberOptions) (int, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	num, err := NodeNumber(ctx, o)
	if errors.Is(err, ErrNoNodeNumber) {
		log.Error("fleet: no node number yet; message ids carry none until the next start", "err", err)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	log.Info("fleet node number", "number", num)
	return num, nil
}
