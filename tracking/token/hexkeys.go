package token

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// HexError is the error of [KeyringFromHex] for a secret that is not hex.
type HexError struct {
	// Index is the position of the secret among the previous ones, or -1
	// for the signing secret.
	Index int
}

func (e *HexError) Error() string {
	if e.Index < 0 {
		return "token: signing secret: not hex"
	}
	return fmt.Sprintf("token: previous secret %d: not hex", e.Index)
}

// KeyFromHex returns the Key of a hex-encoded secret. Its ID is the first
// byte of the secret's SHA-256, so every node (and a standalone edge)
// derives the same id from the same secret, with no id to configure.
func KeyFromHex(secret string) (Key, error) {
	b, err := hex.DecodeString(secret)
	if err != nil {
		return Key{}, &HexError{Index: -1}
	}
	sum := sha256.Sum256(b)
	return Key{ID: sum[0], Secret: b}, nil
}

// KeyringFromHex returns the keyring that signs with the hex-encoded
// secret signing and still opens tokens signed with any of previous (key
// rotation: see [Keyring]). A secret that is not hex gives a *HexError
// naming it; otherwise the errors are [NewKeyring]'s (a short secret, two
// secrets with the same id).
func KeyringFromHex(signing string, previous []string) (*Keyring, error) {
	sk, err := KeyFromHex(signing)
	if err != nil {
		return nil, err
	}
	old := make([]Key, 0, len(previous))
	for i, s := range previous {
		k, err := KeyFromHex(s)
		if err != nil {
			return nil, &HexError{Index: i}
		}
		old = append(old, k)
	}
	return NewKeyring(sk, old...)
}
