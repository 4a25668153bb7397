package bounce

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestJSONWriterLines: one JSON object per result and per line, with the
// json names of Result's fields, angle brackets left unescaped, empty
// optional fields omitted.
func TestJSONWriterLines(t *testing.T) {
	t.Parallel()
	c := New()
	r := c.Reply(ParseReply("550 5.1.1 <jane@example.net>: Recipient address rejected: User unknown"))
	var buf bytes.Buffer
	if err := NewJSONWriter(&buf).Write(r, Result{Class: Other, Status: ""}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2: %q", len(lines), buf.String())
	}
	if !strings.Contains(lines[0], "<jane@example.net>") {
		t.Errorf("angle brackets escaped: %s", lines[0])
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	if got["class"] != string(HardInvalidRecipient) || got["hard"] != true || got["status"] != "5.1.1" || got["decisive"] != true {
		t.Errorf("first line = %v", got)
	}
	if lines[1] != `{"status":"","class":"other","hard":false,"reason":"","decisive":false}` {
		t.Errorf("second line = %s", lines[1])
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestJSONWriterError: a write error is returned, wrapped.
func TestJSONWriterError(t *testing.T) {
	t.Parallel()
	err := NewJSONWriter(failWriter{}).Write(Result{Class: Other})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v", err)
	}
}
