package openssl

import (
	"crypto"
	"crypto/rsa"
	"fmt"
)

// Engine is the RSA signing engine chosen for one key by [ChooseRSA].
type Engine struct {
	// Signer signs with the key: an *RSASigner, or the *rsa.PrivateKey
	// itself when Go's crypto/rsa signs.
	Signer crypto.Signer
	// Name describes the engine for the log: the OpenSSL version, "go
	// crypto/rsa", or "go crypto/rsa (OpenSSL: why not)" after a fallback.
	Name string
	// OpenSSL is true when Signer signs through OpenSSL (cgo).
	OpenSSL bool
	// Fallback is true when "auto" wanted OpenSSL but it was unavailable
	// or failed its self-check, so crypto/rsa signs.
	Fallback bool
}

// ChooseRSA returns the engine that signs with key under setting (the
// dkim.rsa_engine setting): "go" is crypto/rsa; "openssl" is OpenSSL or an
// error; "auto" (or "") is OpenSSL when it is available and passes its
// self-check, crypto/rsa otherwise.
func ChooseRSA(setting string, key *rsa.PrivateKey) (Engine, error) {
	switch setting {
	case "go":
		return Engine{Signer: key, Name: "go crypto/rsa"}, nil
	case "", "auto", "openssl":
	default:
		return Engine{}, fmt.Errorf("openssl: engine %q (want auto, openssl or go)", setting)
	}
	s, err := NewRSASigner(key)
	if err != nil {
		if setting == "openssl" {
			return Engine{}, err
		}
		return Engine{Signer: key, Name: "go crypto/rsa (OpenSSL: " + err.Error() + ")", Fallback: true}, nil
	}
	lib, _ := Library()
	return Engine{Signer: s, Name: lib, OpenSSL: true}, nil
}
