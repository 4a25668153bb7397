package dkim_test

import (
	"fmt"
	"log"
	"path/filepath"
	"strings"
	"time"

	"sluice/dkim"
)

// Dual-sign (RSA and Ed25519) mail from example.com and its subdomains,
// then prepend the fields to the message before spooling it.
func ExampleSigner_Sign() {
	rsaKey, err := dkim.LoadPrivateKey(filepath.Join("testdata", "rsa2048-pkcs1.pem"))
	if err != nil {
		log.Fatal(err)
	}
	edKey, err := dkim.LoadPrivateKey(filepath.Join("testdata", "ed25519.pem"))
	if err != nil {
		log.Fatal(err)
	}
	signer, err := dkim.NewSigner(dkim.Options{
		Keys: []dkim.Key{
			{Domain: "example.com", Selector: "s2026", Signer: rsaKey},
			{Domain: "example.com", Selector: "s2026-ed", Signer: edKey},
		},
		Expiration: 7 * 24 * time.Hour,
	})
	if err != nil {
		log.Fatal(err)
	}

	msg := []byte("From: News <news@mail.example.com>\r\n" +
		"To: bob@example.org\r\n" +
		"Subject: Hello\r\n" +
		"Date: Mon, 23 Nov 2026 17:00:00 +0000\r\n" +
		"\r\n" +
		"Hello Bob.\r\n")
	fields, signed, err := signer.Sign(msg)
	if err != nil {
		log.Fatal(err)
	}
	spooled := append(fields, msg...)

	fmt.Println("signed:", signed)
	fmt.Println("signatures:", strings.Count(string(spooled), "DKIM-Signature:"))
	// Output:
	// signed: true
	// signatures: 2
}

// Print the DNS record to publish for a key.
func ExampleTXTRecord() {
	key, err := dkim.LoadPrivateKey(filepath.Join("testdata", "ed25519.pem"))
	if err != nil {
		log.Fatal(err)
	}
	rec, err := dkim.TXTRecord("example.com", "s2026-ed", key.Public())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rec)
	// Output:
	// s2026-ed._domainkey.example.com. IN TXT ( "v=DKIM1; k=ed25519; p=bxvl+kgBGvsUYiyAmquSg2cwbQBZhuajEeFwS1D/t54=" )
}
