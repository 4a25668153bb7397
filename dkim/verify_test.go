package dkim

// Independent verification: every signature Sign makes is checked by
// python3-dkim, OpenDKIM (opendkim-testmsg) and go-msgauth, none of which
// shares code with this package.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	msgauth "github.com/emersion/go-msgauth/dkim"
)

// zone maps "selector._domainkey.domain" to a TXT value.
type zone map[string]string

// vmsg is a message to verify. ok: every signature must verify; otherwise
// none may (a tampered message). skip names verifiers that cannot read the
// message at all, with the reason.
type vmsg struct {
	name string
	msg  []byte
	ok   bool
	skip map[string]string
}

// verifier checks every DKIM-Signature of each message and returns, per
// message, one result per signature in header order and the reasons for
// failures.
type verifier struct {
	name string
	run  func(t *testing.T, z zone, msgs [][]byte) (ok [][]bool, why [][]string)
}

// verifiers returns the three independent implementations.
func verifiers() []verifier {
	return []verifier{
		{"go-msgauth", verifyGoMsgauth},
		{"python3-dkim", verifyPython},
		{"opendkim", verifyOpenDKIM},
	}
}

// checkVerifiers runs every verifier over msgs, each in a subtest, and
// fails unless each signature's outcome matches vmsg.ok. The verifiers see
// the messages as receivers will (toWire).
func checkVerifiers(t *testing.T, z zone, msgs []vmsg) {
	t.Helper()
	wire := make([][]byte, len(msgs))
	for i, m := range msgs {
		wire[i] = toWire(m.msg)
	}
	for _, v := range verifiers() {
		t.Run(v.name, func(t *testing.T) {
			ok, why := v.run(t, z, wire)
			for i, m := range msgs {
				if reason, skip := m.skip[v.name]; skip {
					t.Logf("%s: not checked by %s: %s", m.name, v.name, reason)
					continue
				}
				if len(ok[i]) == 0 {
					t.Errorf("%s: no signature found", m.name)
				}
				for j, got := range ok[i] {
					if got != m.ok {
						t.Errorf("%s: signature %d: verified=%v, want %v (%s)", m.name, j, got, m.ok, why[i][j])
					}
				}
			}
		})
	}
}

// verifyGoMsgauth verifies with github.com/emersion/go-msgauth/dkim.
func verifyGoMsgauth(t *testing.T, z zone, msgs [][]byte) ([][]bool, [][]string) {
	t.Helper()
	opts := &msgauth.VerifyOptions{LookupTXT: func(name string) ([]string, error) {
		if v, ok := z[strings.ToLower(strings.TrimSuffix(name, "."))]; ok {
			return []string{v}, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}}
	oks := make([][]bool, len(msgs))
	whys := make([][]string, len(msgs))
	for i, m := range msgs {
		vs, err := msgauth.VerifyWithOptions(bytes.NewReader(m), opts)
		if err != nil {
			oks[i], whys[i] = []bool{false}, []string{err.Error()}
			continue
		}
		for _, v := range vs {
			oks[i] = append(oks[i], v.Err == nil)
			why := ""
			if v.Err != nil {
				why = v.Err.Error()
			}
			whys[i] = append(whys[i], why)
		}
	}
	return oks, whys
}

// pythonBin is Debian's interpreter, which has python3-dkim; the python3
// first on PATH may not.
const pythonBin = "/usr/bin/python3"

// verifyPython verifies with python3-dkim (Debian package python3-dkim).
func verifyPython(t *testing.T, z zone, msgs [][]byte) ([][]bool, [][]string) {
	t.Helper()
	if err := exec.Command(pythonBin, "-c", "import dkim, nacl.signing").Run(); err != nil {
		t.Skipf("!!! python3-dkim (or python3-nacl) not installed: DKIM signatures NOT independently verified by python3-dkim; apt-get install python3-dkim python3-nacl (%v)", err)
	}
	args := append([]string{filepath.Join("testdata", "pydkim_verify.py")}, writeInputs(t, z, msgs)...)
	out, err := exec.Command(pythonBin, args...).Output()
	if err != nil {
		t.Fatalf("pydkim_verify.py: %v\n%s", err, stderrOf(err))
	}
	return parseResults(t, out, len(msgs))
}

// verifyOpenDKIM verifies with opendkim-testmsg (Debian opendkim-tools),
// one signature at a time, inside a private namespace whose resolver is
// the script's own DNS server (see testdata/opendkim_verify.py).
func verifyOpenDKIM(t *testing.T, z zone, msgs [][]byte) ([][]bool, [][]string) {
	t.Helper()
	if _, err := os.Stat("/usr/sbin/opendkim-testmsg"); err != nil {
		t.Skipf("!!! opendkim-tools not installed: DKIM signatures NOT independently verified by OpenDKIM; apt-get install opendkim-tools (%v)", err)
	}
	if err := exec.Command("unshare", "-rmn", "true").Run(); err != nil {
		t.Skipf("!!! cannot create a user namespace (unshare -rmn): DKIM signatures NOT verified by OpenDKIM (%v)", err)
	}
	// Split each message into single-signature variants.
	var single [][]byte
	var owner []int
	for i, m := range msgs {
		vs := singleSignatureVariants(t, m)
		if len(vs) == 0 {
			vs = [][]byte{m} // no signature: report it as such
		}
		for _, v := range vs {
			single = append(single, v)
			owner = append(owner, i)
		}
	}
	dir := t.TempDir()
	resolv := filepath.Join(dir, "resolv.conf")
	if err := os.WriteFile(resolv, []byte("nameserver 127.0.0.1\noptions timeout:2 attempts:2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "opendkim_verify.py"))
	if err != nil {
		t.Fatal(err)
	}
	inputs := writeInputs(t, z, single)
	sh := `ip link set lo up && mount --bind "$0" /etc/resolv.conf && exec ` + pythonBin + ` "$@"`
	args := append([]string{"-rmn", "sh", "-c", sh, resolv, script}, inputs...)
	out, err := exec.Command("unshare", args...).Output()
	if err != nil {
		t.Fatalf("opendkim_verify.py: %v\n%s", err, stderrOf(err))
	}
	ok1, why1 := parseResults(t, out, len(single))
	oks := make([][]bool, len(msgs))
	whys := make([][]string, len(msgs))
	for j, i := range owner {
		oks[i] = append(oks[i], ok1[j]...)
		whys[i] = append(whys[i], why1[j]...)
	}
	return oks, whys
}

// singleSignatureVariants returns one copy of msg per DKIM-Signature field,
// keeping that field and dropping the others. Signatures are independent
// (none covers another), so each copy verifies iff that signature does.
func singleSignatureVariants(t *testing.T, msg []byte) [][]byte {
	t.Helper()
	hdr, _, err := splitMessage(msg, nil)
	if err != nil {
		t.Fatalf("split signed message: %v", err)
	}
	var sigs []int
	for i, f := range hdr {
		if asciiEqualFold(f.name, "dkim-signature") {
			sigs = append(sigs, i)
		}
	}
	hdrLen := 0 // fields are contiguous from the start of msg
	for _, f := range hdr {
		hdrLen += len(f.raw)
	}
	var out [][]byte
	for _, keep := range sigs {
		var b bytes.Buffer
		for i, f := range hdr {
			if i == keep || !asciiEqualFold(f.name, "dkim-signature") {
				b.Write(f.raw)
			}
		}
		b.Write(msg[hdrLen:]) // empty line and body
		out = append(out, b.Bytes())
	}
	return out
}

// writeInputs writes the zone as JSON and each message to a file in a
// temporary directory and returns the zone path followed by message paths.
func writeInputs(t *testing.T, z zone, msgs [][]byte) []string {
	t.Helper()
	dir := t.TempDir()
	zj, err := json.Marshal(z)
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{filepath.Join(dir, "zone.json")}
	if err := os.WriteFile(paths[0], zj, 0o644); err != nil {
		t.Fatal(err)
	}
	for i, m := range msgs {
		p := filepath.Join(dir, fmt.Sprintf("msg%03d.eml", i))
		if err := os.WriteFile(p, m, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// parseResults decodes the scripts' JSON lines.
func parseResults(t *testing.T, out []byte, n int) ([][]bool, [][]string) {
	t.Helper()
	var oks [][]bool
	var whys [][]string
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var r struct {
			OK  []bool   `json:"ok"`
			Err []string `json:"err"`
		}
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("verifier output: %v\n%s", err, out)
		}
		oks, whys = append(oks, r.OK), append(whys, r.Err)
	}
	if len(oks) != n {
		t.Fatalf("verifier gave %d results for %d messages:\n%s", len(oks), n, out)
	}
	return oks, whys
}

// toWire returns msg as delivery sends it through net/textproto's
// DotWriter (go-smtp's DATA writer) and a receiver reads it back: bare LF
// becomes CRLF, and a message not ending in CRLF gets one.
func toWire(msg []byte) []byte {
	var b bytes.Buffer
	for i, c := range msg {
		if c == '\n' && (i == 0 || msg[i-1] != '\r') {
			b.WriteByte('\r')
		}
		b.WriteByte(c)
	}
	switch {
	case bytes.HasSuffix(msg, []byte("\n")):
	case bytes.HasSuffix(msg, []byte("\r")):
		b.WriteByte('\n')
	default:
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// stderrOf returns the stderr captured in an *exec.ExitError.
func stderrOf(err error) []byte {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.Stderr
	}
	return nil
}
