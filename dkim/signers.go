package dkim

import (
	"log/slog"
	"time"
)

// SignersConfig is a process's configured signing keys, loaded once by
// [LoadSigners] for every tenant's signer.
type SignersConfig struct {
	// Keys are the domains' own keys: a tenant signs with those of its
	// sender domains only ([OwnedKeys]).
	Keys []KeyFile
	// ESPKeys sign every tenant's mail besides its own keys.
	ESPKeys []KeyFile
	// KeysName and ESPName are what errors call the two lists (config
	// keys such as "dkim.key": "keys" and "esp_keys" when empty).
	KeysName, ESPName string
	// RSAEngine is [KeyLoader.RSAEngine].
	RSAEngine string
	// Expiration is every signer's [Options.Expiration].
	Expiration time.Duration
	// Logger receives the engine choices; nil discards.
	Logger *slog.Logger
}

// Signers are the loaded keys from which each tenant gets its signer.
type Signers struct {
	keys, esp []Key
	exp       time.Duration
	openSSL   bool
}

// LoadSigners loads every key of c once ([KeyLoader]: a bad or missing
// key is an error naming the list, the entry, its domain and file) and
// logs the RSA engines chosen.
func LoadSigners(c SignersConfig) (*Signers, error) {
	if c.KeysName == "" {
		c.KeysName = "keys"
	}
	if c.ESPName == "" {
		c.ESPName = "esp_keys"
	}
	kl := KeyLoader{RSAEngine: c.RSAEngine, Logger: c.Logger}
	s := &Signers{exp: c.Expiration}
	var err error
	if s.keys, err = kl.Load(c.KeysName, c.Keys); err != nil {
		return nil, err
	}
	if s.esp, err = kl.Load(c.ESPName, c.ESPKeys); err != nil {
		return nil, err
	}
	kl.LogEngines()
	s.openSSL = kl.OpenSSL()
	return s, nil
}

// For returns the signer of a tenant that may send from senderDomains:
// the keys of its own domains and the ESP keys ([TenantOptions]); nil
// when that leaves no key (the tenant's mail goes unsigned).
func (s *Signers) For(senderDomains []string) (*Signer, error) {
	opts, ok := TenantOptions(senderDomains, s.keys, s.esp)
	if !ok {
		return nil, nil
	}
	opts.Expiration = s.exp
	return NewSigner(opts)
}

// OpenSSL reports whether some RSA key signs through OpenSSL (a cgo call
// that keeps its P while it signs: the caller may tune GOMAXPROCS).
func (s *Signers) OpenSSL() bool { return s.openSSL }
