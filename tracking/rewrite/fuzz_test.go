package rewrite

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzMessage checks that Message never panics or fails on its own; that
// with no tracking options it only removes X-Sluice-Track; and that with
// everything tracked, a message the standard library parses still parses,
// with the same parts, untouched parts byte-identical and rewritten ones
// differing only by their URLs and pixel; and that the output has one
// List-Unsubscribe, sluice's one-click its first and only http(s) URI,
// and one List-Unsubscribe-Post, whatever the message's own were.
func FuzzMessage(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"", "\r\n", "X-Sluice-Track: none", "x-sluice-track : all\r\n\tx\r\n\r\nhttps://a.example/",
		"Content-Type: text/html\r\n\r\n<a href=https://a.example/>x</a></body>",
		"Content-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<a href=3D\"https://a.exa=\r\nmple/\">",
		"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<a href='http://x.example'>\r\n--b--\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n--b\r\n\r\n--b--",
		"List-Unsubscribe: (c <https://c.example/>) <https://a.example/u>,\r\n <MAILTO:a@b.example>\r\nlist-unsubscribe-post : x\r\n\r\nb",
		"List-Unsubscribe: <mailto:a@b.example\r\n\r\n<a href=https://a.example/u>",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		out, res, err := Message(msg, Options{})
		if err != nil {
			t.Fatalf("no options: %v", err)
		}
		if want := stripTrackHeader(msg); !bytes.Equal(out, want) {
			t.Fatalf("no options changed the message:\n%s", firstDiff(want, out))
		}
		if len(res.Links) != 0 || res.Pixel || res.Unsubscribe {
			t.Fatalf("no options: %+v", res)
		}

		opts := testOptions()
		opts.TrackText = true
		out, res, err = Message(msg, opts)
		if err != nil {
			t.Fatalf("tracking: %v", err)
		}
		checkOneClick(t, out, testUnsubURL)
		if _, _, err := walk(msg); err != nil || !bytes.Contains(msg, []byte("\r\n\r\n")) {
			return // only well-formed CRLF messages have a reference to compare with
		}
		checkBodies(t, msg, out, res, opts)
	})
}
