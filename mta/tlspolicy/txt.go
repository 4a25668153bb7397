package tlspolicy

import (
	"context"
	"time"

	"github.com/miekg/dns"
)

// LookupTXT returns the TXT records of name from servers ("ip:port", each
// exchange within timeout), each record's character-strings joined (RFC
// 8460 §3 and RFC 8461 §3.1 read them so). A name without TXT records
// (NXDOMAIN or NODATA) gives no records and no error, so that callers can
// tell "publishes nothing" from a failed lookup, which is an error and
// temporary. mta/tlsrpt discovers `_smtp._tls` records with it.
func LookupTXT(ctx context.Context, servers []string, timeout time.Duration, name string) ([]string, error) {
	a, err := query(ctx, servers, timeout, name, dns.TypeTXT)
	if err != nil {
		return nil, err
	}
	var txts []string
	for _, rr := range a.records {
		if t, ok := rr.(*dns.TXT); ok {
			txts = append(txts, joinTXT(t.Txt))
		}
	}
	return txts, nil
}
