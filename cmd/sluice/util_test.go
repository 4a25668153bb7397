package main

import (
	"os"

	"github.com/emersion/go-sasl"
)

func writeFile(path, text string) error { return os.WriteFile(path, []byte(text), 0o600) }

func saslPlain(user, pass string) sasl.Client { return sasl.NewPlainClient("", user, pass) }
