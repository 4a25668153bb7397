package mx

import (
	"context"
	"errors"
	"testing"
)

// A leader whose context ends must not hand its cancellation to followers
// whose contexts are live: one of them runs the lookup again.
func TestGroupLeaderCancelIsNotShared(t *testing.T) {
	t.Parallel()
	var g group
	joined := make(chan struct{}, 1)
	g.onJoin = func() { joined <- struct{}{} }
	k := cacheKey{"example.com", 1}
	want := &answer{}

	leaderCtx, cancelLeader := context.WithCancel(t.Context())
	leaderIn := make(chan struct{})
	leaderDone := make(chan error, 1)
	go func() {
		_, err := g.do(leaderCtx, k, func(ctx context.Context) (*answer, error) {
			close(leaderIn)
			<-ctx.Done()
			return nil, ctx.Err()
		})
		leaderDone <- err
	}()
	wait(t, leaderIn, "the leader to start")

	followerDone := make(chan error, 1)
	runs := 0
	go func() {
		got, err := g.do(t.Context(), k, func(context.Context) (*answer, error) {
			runs++
			return want, nil
		})
		if err == nil && got != want {
			err = errors.New("follower got another answer")
		}
		followerDone <- err
	}()
	wait(t, joined, "the follower to join")
	cancelLeader()

	if err := wait(t, leaderDone, "the leader"); !errors.Is(err, context.Canceled) {
		t.Errorf("leader: %v, want context.Canceled", err)
	}
	if err := wait(t, followerDone, "the follower"); err != nil {
		t.Errorf("follower: %v, want the answer of its own run", err)
	}
	if runs != 1 {
		t.Errorf("follower ran the lookup %d times, want 1", runs)
	}
}

// A follower leaves on its own context without waiting for the leader.
func TestGroupFollowerLeavesOnItsContext(t *testing.T) {
	t.Parallel()
	var g group
	joined := make(chan struct{}, 1)
	g.onJoin = func() { joined <- struct{}{} }
	k := cacheKey{"example.com", 1}
	unblock := make(chan struct{})
	leaderIn := make(chan struct{})
	leaderDone := make(chan struct{})
	go func() {
		defer close(leaderDone)
		_, _ = g.do(t.Context(), k, func(context.Context) (*answer, error) {
			close(leaderIn)
			<-unblock
			return &answer{}, nil
		})
	}()
	wait(t, leaderIn, "the leader to start")
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := g.do(ctx, k, func(context.Context) (*answer, error) {
			return nil, errors.New("follower must not run the lookup")
		})
		errc <- err
	}()
	wait(t, joined, "the follower to join")
	cancel()
	if err := wait(t, errc, "the follower"); !errors.Is(err, context.Canceled) {
		t.Errorf("follower: %v, want context.Canceled", err)
	}
	close(unblock)
	wait(t, leaderDone, "the leader")
}

// A lookup that panics releases its followers with an error and leaves no
// flight behind.
func TestGroupPanicReleasesFollowers(t *testing.T) {
	t.Parallel()
	var g group
	joined := make(chan struct{}, 1)
	g.onJoin = func() { joined <- struct{}{} }
	k := cacheKey{"example.com", 1}
	leaderIn := make(chan struct{})
	leaderDone := make(chan any, 1)
	go func() {
		defer func() { leaderDone <- recover() }()
		_, _ = g.do(t.Context(), k, func(context.Context) (*answer, error) {
			close(leaderIn)
			<-joined // not wait: t.Fatal is for the test's goroutine
			panic("boom")
		})
	}()
	wait(t, leaderIn, "the leader to start")
	_, err := g.do(t.Context(), k, func(context.Context) (*answer, error) {
		return nil, errors.New("follower must not run the lookup")
	})
	if !errors.Is(err, errFlightAborted) {
		t.Errorf("follower: %v, want errFlightAborted", err)
	}
	if p := wait(t, leaderDone, "the leader"); p != "boom" {
		t.Errorf("leader recovered %v, want the panic to propagate", p)
	}
	got, err := g.do(t.Context(), k, func(context.Context) (*answer, error) { return &answer{}, nil })
	if err != nil || got == nil {
		t.Fatalf("after a panic: %v, %v", got, err)
	}
}
