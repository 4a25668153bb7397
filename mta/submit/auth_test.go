package submit

import (
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// The review's finding 17: the dummy hash that an unknown username is
// checked against had cost 10 whatever the tenants' hashes cost, so next
// to an operator's $2y$12$ hash existing users were measurably slower.
// The dummy now has the highest configured cost: an unknown username pays
// what the most expensive existing one does. Compared by the bcrypt cost
// each check used, not by wall time.
func TestDummyHashFollowsHighestCost(t *testing.T) {
	t.Parallel()
	hash := func(cost int) string {
		h, err := bcrypt.GenerateFromPassword([]byte(testPassword), cost)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}
	// An operator's hash from another tool: $2y$ (PHP, htpasswd) at 7.
	op := "$2y$" + strings.TrimPrefix(hash(7), "$2a$")
	a, err := newAuthenticator([]*Tenant{
		{Username: "low", PasswordHash: hash(bcrypt.MinCost)},
		{Username: "op", PasswordHash: op},
		{Username: "broken", PasswordHash: "not a hash"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var used []int
	compare := a.compare
	a.compare = func(h, pw []byte) error {
		c, err := bcrypt.Cost(h)
		if err != nil {
			c = -1
		}
		used = append(used, c)
		return compare(h, pw)
	}
	none := func() (func(), error) { return func() {}, nil }
	costOf := func(user, pw string) int {
		used = used[:0]
		a.check(user, pw, none)
		if len(used) != 1 {
			t.Fatalf("check(%q) ran %d bcrypt comparisons, want 1", user, len(used))
		}
		return used[0]
	}
	if got := costOf("op", "wrong"); got != 7 {
		t.Fatalf("existing user's check cost %d, want 7", got)
	}
	if got := costOf("nobody", "wrong"); got != 7 {
		t.Fatalf("unknown user's check cost %d, want 7 (the highest configured)", got)
	}
	if _, err := a.check("op", testPassword, none); err != nil {
		t.Fatalf("the $2y$ hash's password: %v", err)
	}
	// No tenant to look like: bcrypt's default cost.
	empty, err := newAuthenticator(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := bcrypt.Cost(empty.dummy); c != bcrypt.DefaultCost {
		t.Fatalf("dummy cost with no tenants %d, want %d", c, bcrypt.DefaultCost)
	}
}
