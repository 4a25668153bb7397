package token_test

import (
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"sluice/tracking/token"
)

// randomSecret returns 32 random bytes.
func randomSecret() []byte {
	b := make([]byte, 32)
	rand.Read(b) // never fails (Go 1.24)
	return b
}

func Example() {
	// In production the secrets come from the config, 32 random bytes or
	// more each. Key 1 is being retired: it still verifies, key 2 signs.
	oldKey := token.Key{ID: 1, Secret: randomSecret()}
	newKey := token.Key{ID: 2, Secret: randomSecret()}
	k, err := token.NewKeyring(newKey, oldKey)
	if err != nil {
		panic(err)
	}

	// At rewrite time: one token per link.
	tok, err := k.Seal(token.Claims{
		Kind:    token.Click,
		Tenant:  "acme",
		Message: 1773500966123456,
		Rcpt:    3,
		Link:    1,
		URL:     "https://shop.example/sale?utm_source=mail#top",
		Issued:  time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC),
	})
	if err != nil {
		panic(err)
	}

	// At the edge, for GET /c/<tok>.
	c, err := k.Open(tok)
	if errors.Is(err, token.ErrInvalid) {
		fmt.Println("404")
		return
	}
	fmt.Println(c.Kind, c.Tenant, c.Rcpt, c.Link, c.URL)

	// One character changed: 404, whatever the change.
	_, err = k.Open(tok[:20] + string(tok[20]^1) + tok[21:])
	fmt.Println(err)
	// Output:
	// click acme 3 1 https://shop.example/sale?utm_source=mail#top
	// token: invalid
}

func ExampleKeyring_SealMailbox() {
	k, err := token.NewKeyring(token.Key{ID: 1, Secret: []byte("an example secret, 32 bytes long")})
	if err != nil {
		panic(err)
	}
	tok, err := k.SealMailbox(token.Claims{Kind: token.Bounce, Message: 1773500966123456, Rcpt: 3})
	if err != nil {
		panic(err)
	}
	returnPath := "b." + tok + "@bounces.example.com"
	fmt.Println(returnPath, len(tok))

	// A receiving MTA that upper-cases the local part does no harm.
	c, err := k.OpenMailbox("QEAQJQHP4D4NLH4TAMBZ6ZANDBGLYCY5YJSN2UXTDG3TK")
	fmt.Println(c.Kind, c.Message, c.Rcpt, err)
	// Output:
	// b.qeaqjqhp4d4nlh4tambz6zandbglycy5yjsn2uxtdg3tk@bounces.example.com 45
	// bounce 1773500966123456 3 <nil>
}
