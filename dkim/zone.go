package dkim

import (
	"fmt"
	"io"
	"strings"
)

// WriteZone writes the TXT records of keys generated for domain (by
// [Keygen]) in zone-file syntax, each after a comment naming its
// algorithm, domain, selector and private key file, so the text can be
// pasted into a zone as it is (RFC 1035 §5.1: ';' starts a comment).
func WriteZone(w io.Writer, domain string, keys []GeneratedKey) error {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	for _, k := range keys {
		if _, err := fmt.Fprintf(w, "; %s key for %s, selector %s; private key: %s\n%s\n", k.AlgoName(), domain, k.Selector, k.Path, k.Record); err != nil {
			return fmt.Errorf("dkim: write records: %w", err)
		}
	}
	return nil
}
