package dkim

import "strings"

// OwnedKeys returns the keys whose domain is one of domains or a
// subdomain of one (case-insensitively), in their order. A tenant's signer
// gets only these, plus the ESP keys (see [TenantOptions]): a tenant never
// gets mail signed for a domain it does not own, whatever its From header
// says.
func OwnedKeys(domains []string, keys []Key) []Key {
	var own []Key
	for _, k := range keys {
		if ownsDomain(domains, k.Domain) {
			own = append(own, k)
		}
	}
	return own
}

// TenantOptions returns the Options of the signer of a tenant that may
// send from senderDomains: the keys of its own domains ([OwnedKeys]) and
// every ESP key. ok is false when that leaves no key at all, so the tenant
// needs no signer.
func TenantOptions(senderDomains []string, keys, espKeys []Key) (opts Options, ok bool) {
	own := OwnedKeys(senderDomains, keys)
	if len(own) == 0 && len(espKeys) == 0 {
		return Options{}, false
	}
	return Options{Keys: own, ESPKeys: espKeys}, true
}

// ownsDomain reports whether domain is one of domains or a subdomain of one.
func ownsDomain(domains []string, domain string) bool {
	domain = strings.ToLower(domain)
	for _, d := range domains {
		d = strings.ToLower(d)
		if domain == d || strings.HasSuffix(domain, "."+d) {
			return true
		}
	}
	return false
}
