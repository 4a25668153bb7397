package dkim

import "strings"

// AlignedKeyFiles returns the files among files whose key can sign mail
// whose From domain is domain under relaxed alignment (RFC 7489 §3.1.1):
// the key's d= is that domain or a parent of it. Case and a trailing dot
// are ignored. (OwnedKeys goes the other way: a tenant owns the keys of
// its domains and of their subdomains.)
func AlignedKeyFiles(files []KeyFile, domain string) []KeyFile {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	var out []KeyFile
	for _, f := range files {
		d := strings.ToLower(strings.TrimSuffix(f.Domain, "."))
		if domain == d || strings.HasSuffix(domain, "."+d) {
			out = append(out, f)
		}
	}
	return out
}

// AlignedSigner is a signer over the keys of c.Keys aligned with the
// domain of the address from ([AlignedKeyFiles]), loaded now (c's RSA
// engine; errors name c.KeysName); nil when there are none. For the
// node's own mail (TLS reports), apart from its tenants' signers.
func AlignedSigner(c SignersConfig, from string) (*Signer, error) {
	_, domain, _ := strings.Cut(from, "@")
	files := AlignedKeyFiles(c.Keys, domain)
	if len(files) == 0 {
		return nil, nil
	}
	name := c.KeysName
	if name == "" {
		name = "keys"
	}
	keys, err := (&KeyLoader{RSAEngine: c.RSAEngine}).Load(name, files)
	if err != nil {
		return nil, err
	}
	return NewSigner(Options{Keys: keys, Expiration: c.Expiration})
}
