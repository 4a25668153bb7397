package rewrite

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

const (
	shortOneClick = "https://t.example/u/T"
	shortMailto   = "mailto:u.T@b.example"
)

// checkOneClick checks the invariant of a marketing message given an
// HTTPS URI: one List-Unsubscribe, whose first URI is sluice's and only
// http(s) one, and one List-Unsubscribe-Post saying One-Click (RFC 8058
// §3.1). It returns the URIs of that List-Unsubscribe.
func checkOneClick(t *testing.T, out []byte, https string) []string {
	t.Helper()
	top := parseEntity(out)
	var lus, posts []string
	for _, f := range top.fields {
		switch {
		case top.is(f, "List-Unsubscribe"):
			lus = append(lus, top.value(f))
		case top.is(f, "List-Unsubscribe-Post"):
			posts = append(posts, top.value(f))
		}
	}
	if len(lus) != 1 || len(posts) != 1 || posts[0] != "List-Unsubscribe=One-Click" {
		t.Fatalf("List-Unsubscribe %q, List-Unsubscribe-Post %q in:\n%s", lus, posts, out)
	}
	uris := listURIs(lus[0])
	web := 0
	for _, u := range uris {
		if _, ok := browserURL(u, true); ok {
			web++
		}
	}
	if len(uris) == 0 || uris[0] != https || web != 1 {
		t.Fatalf("List-Unsubscribe URIs %q: want %s first and the only http(s) one", uris, https)
	}
	return uris
}

// The message's own List-Unsubscribe in marketing mail: whatever its
// shape (folded, several fields, any case, WSP before the colon,
// comments, whitespace inside brackets, no brackets, other schemes,
// duplicates, hostile mailtos), sluice's one-click comes first and alone,
// the valid mailto URIs follow in order, each once, at most three, and
// the message's List-Unsubscribe-Post is sluice's; the rest of the
// header is kept byte for byte and the lines fold under 78.
func TestListUnsubscribeReplaced(t *testing.T) {
	t.Parallel()
	long := "mailto:" + strings.Repeat("a", maxMailtoLen) + "@shop.example"
	for _, tc := range []struct {
		name, in string
		keep     []string // the message's mailto URIs kept, after sluice's two
		rest     string   // the other fields, as they must come out
	}{
		{
			name: "folded, several fields, case, WSP before the colon, comments, spaces in brackets",
			in: "From: a@shop.example\r\nlist-unsubscribe : (tenant's) <https://shop.example/u?1>,\r\n\t<mailto:a@shop.example>\r\n" +
				"LIST-UNSUBSCRIBE: < mailto:b@shop.example\r\n >, <http://shop.example/old>\r\n" +
				"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\nSubject: x\r\n\r\nbody",
			keep: []string{"mailto:a@shop.example", "mailto:b@shop.example"},
			rest: "From: a@shop.example\r\nSubject: x\r\n",
		},
		{
			name: "brackets inside comments are not URIs",
			in: "List-Unsubscribe: (see <mailto:evil@x.example>) ((nested <mailto:n@x.example>)) (a \\) <mailto:q@x.example>)" +
				" <https://shop.example/u>, <mailto:c@shop.example>\r\n\r\nbody",
			keep: []string{"mailto:c@shop.example"},
		},
		{
			name: "no brackets: nothing kept",
			in:   "List-Unsubscribe: https://shop.example/u, mailto:a@shop.example\r\n\r\nbody",
		},
		{
			name: "other schemes dropped, a mailto in capitals kept as written",
			in:   "List-Unsubscribe: <ftp://shop.example/u>, <MAILTO:C@shop.example?subject=stop>, <javascript:alert(1)>\r\n\r\nbody",
			keep: []string{"MAILTO:C@shop.example?subject=stop"},
		},
		{
			name: "duplicates and sluice's own mailto once",
			in: "List-Unsubscribe: <mailto:a@shop.example>, <mailto:a@shop.example>\r\n" +
				"List-Unsubscribe: <" + shortMailto + ">\r\n\r\nbody",
			keep: []string{"mailto:a@shop.example"},
		},
		{
			name: "at most three",
			in:   "List-Unsubscribe: <mailto:1@s.example>,<mailto:2@s.example>,<mailto:3@s.example>,<mailto:4@s.example>\r\n\r\nbody",
			keep: []string{"mailto:1@s.example", "mailto:2@s.example", "mailto:3@s.example"},
		},
		{
			name: "mailtos sluice cannot write safely are dropped",
			in: "List-Unsubscribe: <mailto:\"a b\"@shop.example>, <mailto:jü@shop.example>, <" + long + ">, <mailto:>," +
				" <mailto:x@shop.example\x01>, <mailto:ok@shop.example>\r\n\r\nbody",
			keep: []string{"mailto:ok@shop.example"},
		},
		{
			name: "an unclosed bracket ends the list",
			in:   "List-Unsubscribe: <mailto:a@shop.example>, <mailto:b@shop.example\r\n\r\nbody",
			keep: []string{"mailto:a@shop.example"},
		},
		{
			name: "a Post of its own alone, any value",
			in:   "Subject: x\r\nList-Unsubscribe-Post: yes please\r\nlist-unsubscribe-post:List-Unsubscribe=One-Click\r\n\r\nbody",
			rest: "Subject: x\r\n",
		},
		{
			name: "an empty field",
			in:   "List-Unsubscribe:\r\n\r\nbody",
		},
		{
			name: "look-alike names are other fields",
			in:   "X-List-Unsubscribe: <https://a.example/>\r\nList-Unsubscribe-Foo: <https://b.example/>\r\nList-Unsubscribe: <https://c.example/>\r\n\r\nbody",
			rest: "X-List-Unsubscribe: <https://a.example/>\r\nList-Unsubscribe-Foo: <https://b.example/>\r\n",
		},
		{
			name: "no body, the field last without a line end",
			in:   "Subject: x\r\nList-Unsubscribe: <https://shop.example/u>, <mailto:a@shop.example>",
			keep: []string{"mailto:a@shop.example"},
			rest: "Subject: x\r\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, res, err := Message([]byte(tc.in), Options{Unsubscribe: &Unsubscribe{HTTPS: shortOneClick, Mailto: shortMailto}})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Unsubscribe || !res.UnsubscribeReplaced {
				t.Fatalf("result %+v", res)
			}
			uris := checkOneClick(t, out, shortOneClick)
			if want := append([]string{shortOneClick, shortMailto}, tc.keep...); !slices.Equal(uris, want) {
				t.Fatalf("URIs %q, want %q", uris, want)
			}
			hdr, body, _ := bytes.Cut(out, []byte("\r\n\r\n"))
			if _, inBody, ok := strings.Cut(tc.in, "\r\n\r\n"); ok && string(body) != inBody {
				t.Fatalf("body changed: %q", body)
			}
			var rest []string
			for _, line := range strings.SplitAfter(strings.TrimSuffix(string(hdr), "\r\n")+"\r\n", "\r\n") {
				if len(line) > 80 {
					t.Errorf("line of %d octets: %q", len(line), line)
				}
				if !strings.HasPrefix(line, "List-Unsubscribe:") && !strings.HasPrefix(line, "List-Unsubscribe-Post:") && !strings.HasPrefix(line, " ") {
					rest = append(rest, line)
				}
			}
			if got := strings.Join(rest, ""); got != tc.rest {
				t.Fatalf("other fields:\n%q\nwant\n%q", got, tc.rest)
			}
		})
	}
}

// Without an HTTPS URI there is no one-click to put in place of the
// message's, which it keeps (and gets nothing); without Unsubscribe
// (transactional mail) the header is untouched, byte for byte, bare LF
// line ends included; and the line ends of the message are the ones
// written.
func TestListUnsubscribeKept(t *testing.T) {
	t.Parallel()
	in := "Subject: x\r\nList-Unsubscribe: <https://shop.example/u>,\r\n <mailto:a@shop.example>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\r\nbody"
	for name, u := range map[string]*Unsubscribe{"transactional": nil, "mailto only": {Mailto: shortMailto}} {
		out, res, err := Message([]byte(in), Options{Unsubscribe: u})
		if err != nil || string(out) != in || res.Unsubscribe || res.UnsubscribeReplaced {
			t.Errorf("%s: %+v %v\n%s", name, res, err, out)
		}
	}
	lf := "Subject: x\nlist-unsubscribe: <https://shop.example/u>, <mailto:a@shop.example>\n\nbody"
	out, _, err := Message([]byte(lf), Options{Unsubscribe: &Unsubscribe{HTTPS: shortOneClick}})
	want := "Subject: x\nList-Unsubscribe: <" + shortOneClick + ">, <mailto:a@shop.example>\n" +
		"List-Unsubscribe-Post: List-Unsubscribe=One-Click\n\nbody"
	if err != nil || string(out) != want {
		t.Fatalf("bare LF: %v\n%q\nwant\n%q", err, out, want)
	}
}
