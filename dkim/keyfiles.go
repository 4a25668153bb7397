package dkim

import (
	"crypto/rsa"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"sluice/dkim/openssl"
)

// KeyFile is a configured signing key: what it signs and where its
// private key is.
type KeyFile struct {
	Domain, Selector string
	// File is a PEM private key (see [LoadPrivateKey]).
	File string
}

// KeyLoader loads configured key files once each, at start-up, and gives
// every RSA key the signing engine its setting chooses
// ([openssl.ChooseRSA]: OpenSSL through cgo, or Go's crypto/rsa). It notes
// the engines it chose, for the log and for the caller's tuning (a cgo
// call keeps its P while OpenSSL signs). Use one KeyLoader for all the
// keys of a process.
type KeyLoader struct {
	// RSAEngine is the dkim.rsa_engine setting: auto (or ""), openssl or
	// go.
	RSAEngine string
	// Logger warns of each RSA key that signs with crypto/rsa because
	// OpenSSL is unavailable, and receives [KeyLoader.LogEngines]'s line.
	// Nil discards.
	Logger *slog.Logger

	engines []string
	openSSL bool
}

// setting is RSAEngine, "auto" when empty.
func (l *KeyLoader) setting() string {
	if l.RSAEngine == "" {
		return "auto"
	}
	return l.RSAEngine
}

func (l *KeyLoader) logger() *slog.Logger {
	if l.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l.Logger
}

// Load loads files in order. name is what the caller calls the list (a
// config key such as "dkim.key"): an error names the entry as
// name[i], with its domain and file, so that a bad or missing key stops
// start-up with one line an operator can act on.
func (l *KeyLoader) Load(name string, files []KeyFile) ([]Key, error) {
	out := make([]Key, 0, len(files))
	for i, k := range files {
		signer, err := LoadPrivateKey(k.File)
		if err != nil {
			return nil, fmt.Errorf("%s[%d] (domain %s): key file %s: %w", name, i, k.Domain, k.File, err)
		}
		if rk, ok := signer.(*rsa.PrivateKey); ok {
			e, err := openssl.ChooseRSA(l.setting(), rk)
			if err != nil {
				return nil, fmt.Errorf("%s[%d] (domain %s): key file %s: dkim.rsa_engine %q: %w", name, i, k.Domain, k.File, l.setting(), err)
			}
			if !slices.Contains(l.engines, e.Name) {
				l.engines = append(l.engines, e.Name)
			}
			if e.Fallback {
				l.logger().Warn("dkim: this RSA key signs with Go's crypto/rsa, not OpenSSL", "domain", k.Domain, "file", k.File, "engine", e.Name)
			}
			signer, l.openSSL = e.Signer, l.openSSL || e.OpenSSL
		}
		out = append(out, Key{Domain: k.Domain, Selector: k.Selector, Signer: signer})
	}
	return out, nil
}

// Engines are the RSA engines chosen so far, each named once, in order.
func (l *KeyLoader) Engines() []string { return slices.Clone(l.engines) }

// OpenSSL reports whether some RSA key loaded so far signs through
// OpenSSL.
func (l *KeyLoader) OpenSSL() bool { return l.openSSL }

// LogEngines logs the setting and the RSA engines chosen, when there
// were RSA keys.
func (l *KeyLoader) LogEngines() {
	if len(l.engines) > 0 {
		l.logger().Info("dkim: RSA signing engine", "setting", l.setting(), "engine", strings.Join(l.engines, "; "))
	}
}
