package mx

import (
	"testing"
	"time"
)

func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	c := newCache(2)
	ans := func() *answer { return &answer{expires: now.Add(time.Minute)} }
	a, b, d := cacheKey{"a", 1}, cacheKey{"b", 1}, cacheKey{"d", 1}
	c.put(a, ans())
	c.put(b, ans())
	if _, ok := c.get(a, now); !ok { // a becomes the most recently used
		t.Fatal("a missing")
	}
	c.put(d, ans())
	if _, ok := c.get(b, now); ok {
		t.Error("b, the least recently used, survived an insertion into a full cache")
	}
	for _, k := range []cacheKey{a, d} {
		if _, ok := c.get(k, now); !ok {
			t.Errorf("%v evicted", k)
		}
	}
	if n := c.len(); n != 2 {
		t.Errorf("len = %d, want 2", n)
	}
}

func TestCacheExpiry(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	c := newCache(10)
	k := cacheKey{"a", 1}
	c.put(k, &answer{expires: now.Add(time.Second)})
	if _, ok := c.get(k, now.Add(999*time.Millisecond)); !ok {
		t.Fatal("entry expired early")
	}
	if _, ok := c.get(k, now.Add(time.Second)); ok {
		t.Fatal("entry served at its expiry time")
	}
	if n := c.len(); n != 0 {
		t.Errorf("expired entry kept: len = %d", n)
	}
	// Replacing keeps one entry per key.
	c.put(k, &answer{expires: now.Add(time.Second)})
	c.put(k, &answer{expires: now.Add(2 * time.Second)})
	if got, ok := c.get(k, now.Add(1500*time.Millisecond)); !ok || !got.expires.Equal(now.Add(2*time.Second)) {
		t.Errorf("replaced entry = %v, %v", got, ok)
	}
	if n := c.len(); n != 1 {
		t.Errorf("len = %d after replacing, want 1", n)
	}
}
