package webhook

import (
	"errors"
	"strconv"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	t.Parallel()
	key := []byte(secret)
	body := []byte(`{"events":[]}`)
	now := time.Unix(1763928000, 0)
	good := Sign(key, now, body)
	cases := []struct {
		name   string
		key    []byte
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"good", key, good, body, now, nil},
		{"within tolerance", key, good, body, now.Add(4 * time.Minute), nil},
		{"replayed later", key, good, body, now.Add(6 * time.Minute), ErrTimestamp},
		{"from the future", key, good, body, now.Add(-6 * time.Minute), ErrTimestamp},
		{"tampered body", key, good, []byte(`{"events":[{}]}`), now, ErrBadSignature},
		{"wrong secret", []byte("another secret, 16+ bytes"), good, body, now, ErrBadSignature},
		{"other timestamp", key, "t=" + strconv.FormatInt(now.Unix()+1, 10) + good[len("t=1763928000"):], body, now, ErrBadSignature},
		{"second v1 matches", key, good[:len("t=1763928000")] + ",v1=00ff," + good[len("t=1763928000,"):], body, now, nil},
		{"no header", key, "", body, now, ErrNoSignature},
		{"no v1", key, "t=1763928000", body, now, ErrNoSignature},
		{"bad t", key, "t=x," + good[len("t=1763928000,"):], body, now, ErrNoSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := Verify(tc.key, tc.header, tc.body, tc.now, 5*time.Minute); !errors.Is(err, tc.want) {
				t.Fatalf("Verify(%q) = %v, want %v", tc.header, err, tc.want)
			}
		})
	}
}

func TestSignFormat(t *testing.T) {
	t.Parallel()
	// HMAC-SHA256("0123456789abcdef-acme-secret", "1763928000.{}"), by an
	// independent implementation (Python's hmac module).
	const want = "t=1763928000,v1=" + "62979c2d68d70aaade914cfe7e21a6d6b7d0cd74e501180b5ecb09532555bba0"
	got := Sign([]byte(secret), time.Unix(1763928000, 0), []byte("{}"))
	if got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
}
