package tracking

import "testing"

// FuzzIsOneClick: no Content-Type and body make the one-click parser panic
// or hang, and its answer for a form does not depend on the fields around
// the one-click field: adding one before never changes it, and appending
// the field itself always makes it true.
func FuzzIsOneClick(f *testing.F) {
	for _, s := range [][2]string{
		{"application/x-www-form-urlencoded", "List-Unsubscribe=One-Click"},
		{"Application/X-WWW-Form-URLEncoded; charset=UTF-8", "a=b+c&List%2DUnsubscribe=One%2dClick"},
		{"multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--x--\r\n"},
		{"multipart/form-data; boundary=x", "--x\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ\r\n--x"},
		{"multipart/form-data", "--\r\n"},
		{"text/plain", "List-Unsubscribe=One-Click"},
		{"", ""},
		{"application/x-www-form-urlencoded;;", "%"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, ct, body string) {
		got := isOneClick([]byte(ct), []byte(body))
		if got && len(body) == 0 {
			t.Fatalf("empty body accepted with %q", ct)
		}
		const form = "application/x-www-form-urlencoded"
		if len(body) == 0 {
			return
		}
		v := isOneClick([]byte(form), []byte(body))
		if isOneClick([]byte(form), []byte("x=y&"+body)) != v {
			t.Fatalf("a field before %q changed the answer", body)
		}
		if !isOneClick([]byte(form), []byte(body+"&List-Unsubscribe=One-Click")) {
			t.Fatalf("%q followed by the one-click field refused", body)
		}
	})
}
