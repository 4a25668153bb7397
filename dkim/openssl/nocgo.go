//go:build !cgo || !linux

package openssl

import (
	"crypto/rsa"
	"fmt"
	"runtime"
)

func version() (string, error) {
	return "", fmt.Errorf("%w: built without cgo or not on Linux (%s)", ErrUnavailable, runtime.GOOS)
}

type pkey struct{}

func loadKey(*rsa.PrivateKey) (*pkey, error) {
	_, err := version()
	return nil, err
}

func (*pkey) signSHA256([]byte, int) ([]byte, error) { return nil, ErrUnavailable }
