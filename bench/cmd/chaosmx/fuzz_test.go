package main

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
)

// FuzzSluiceID: any data is read without a panic, the value found has no
// line break, and what follows the header section stays in the reader.
func FuzzSluiceID(f *testing.F) {
	f.Add([]byte("X-Sluice-ID: 1\r\n\r\nbody"))
	f.Add([]byte("x-sluice-id:\r\n\r\n"))
	f.Add([]byte(strings.Repeat("a", 5000) + "\nX-Sluice-ID: 2\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bufio.NewReaderSize(bytes.NewReader(data), 4096)
		id, _ := sluiceID(r)
		if strings.ContainsAny(id, "\r\n") {
			t.Fatalf("id %q has a line break", id)
		}
		rest, _ := io.ReadAll(r)
		if len(rest) > len(data) {
			t.Fatal("more left than given")
		}
	})
}
