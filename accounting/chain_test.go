package accounting

import (
	"errors"
	"testing"

	"sluice/tracking/events"
)

func TestChain(t *testing.T) {
	t.Parallel()
	if Chain(nil, nil) != nil {
		t.Error("Chain of nils is not nil")
	}
	var calls []string
	hook := func(name string, err error) func(*events.Tx, []events.Event) error {
		return func(*events.Tx, []events.Event) error { calls = append(calls, name); return err }
	}
	boom := errors.New("boom")
	if err := Chain(hook("a", nil), nil, hook("b", boom), hook("c", nil))(nil, nil); !errors.Is(err, boom) {
		t.Errorf("err = %v", err)
	}
	if len(calls) != 2 || calls[0] != "a" || calls[1] != "b" {
		t.Errorf("calls %v, want a b", calls)
	}
}
