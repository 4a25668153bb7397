package smtp

// Differential tests for sluice's patch (SLUICE.patch, see README.md): the
// bulk paths of dataReader.Read and lineLimitReader.Read must produce
// exactly what upstream's byte-at-a-time versions, kept here as the
// reference, produce: the same bytes, the same error, and the same bytes
// left unread for the next command, however the input is split; and
// Conn.writeResponse must send the bytes upstream's sent, in one write.

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/textproto"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// refDataRead is upstream v0.26.0's dataReader.Read: its body verbatim.
func refDataRead(r *dataReader, b []byte) (n int, err error) {
	if r.limited {
		if r.n <= 0 {
			return 0, ErrDataTooLarge
		}
		if int64(len(b)) > r.n {
			b = b[0:r.n]
		}
	}

	// Code below is taken from net/textproto with only one modification to
	// not rewrite CRLF -> LF.

	// Run data through a simple state machine to
	// elide leading dots and detect End-of-Data (<CR><LF>.<CR><LF>) line.
	const (
		stateBeginLine = iota // beginning of line; initial state; must be zero
		stateDot              // read . at beginning of line
		stateDotCR            // read .\r at beginning of line
		stateCR               // read \r (possibly at end of line)
		stateData             // reading data in middle of line
		stateEOF              // reached .\r\n end marker line
	)
	for n < len(b) && r.state != stateEOF {
		var c byte
		c, err = r.r.ReadByte()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			break
		}
		switch r.state {
		case stateBeginLine:
			if c == '.' {
				r.state = stateDot
				continue
			}
			if c == '\r' {
				r.state = stateCR
				break
			}
			r.state = stateData
		case stateDot:
			if c == '\r' {
				r.state = stateDotCR
				continue
			}
			r.state = stateData
		case stateDotCR:
			if c == '\n' {
				r.state = stateEOF
				continue
			}
			r.state = stateData
		case stateCR:
			if c == '\n' {
				r.state = stateBeginLine
				break
			}
			r.state = stateData
		case stateData:
			if c == '\r' {
				r.state = stateCR
			}
		}
		b[n] = c
		n++
	}
	if err == nil && r.state == stateEOF {
		err = io.EOF
	}

	if r.limited {
		r.n -= int64(n)
	}
	return
}

// refLineLimitRead is upstream v0.26.0's lineLimitReader.Read: its body
// verbatim.
func refLineLimitRead(r *lineLimitReader, b []byte) (int, error) {
	if r.curLineLength > r.LineLimit && r.LineLimit > 0 {
		return 0, ErrTooLongLine
	}

	n, err := r.R.Read(b)
	if err != nil {
		return n, err
	}

	if r.LineLimit == 0 {
		return n, nil
	}

	for _, chr := range b[:n] {
		if chr == '\n' {
			r.curLineLength = 0
		}
		r.curLineLength++

		if r.curLineLength > r.LineLimit {
			return 0, ErrTooLongLine
		}
	}

	return n, nil
}

// readerFunc adapts a Read method to io.Reader.
type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(b []byte) (int, error) { return f(b) }

// source splits in the way the network might: whole, one byte at a time,
// or in halves.
func source(in []byte, split int) io.Reader {
	r := io.Reader(bytes.NewReader(in))
	switch split % 3 {
	case 1:
		r = iotest.OneByteReader(r)
	case 2:
		r = iotest.HalfReader(r)
	}
	return r
}

// readData drains a data reader built over in with Read calls of outSize
// bytes; it returns the message, the first error other than io.EOF, and
// what the connection's buffer still holds for the next command.
func readData(in []byte, split, bufSize, outSize int, limit int64, ref bool) (msg []byte, err error, rest []byte) {
	br := bufio.NewReaderSize(source(in, split), bufSize)
	r := &dataReader{r: br, limited: limit > 0, n: limit}
	out := make([]byte, outSize)
	for i := 0; i < 1<<20; i++ {
		var n int
		if ref {
			n, err = refDataRead(r, out)
		} else {
			n, err = r.Read(out)
		}
		msg = append(msg, out[:n]...)
		if err != nil {
			break
		}
	}
	if err == io.EOF {
		err = nil
	}
	rest, _ = io.ReadAll(br)
	return msg, err, rest
}

func checkData(t *testing.T, in []byte, split, bufSize, outSize int, limit int64) {
	t.Helper()
	wantMsg, wantErr, wantRest := readData(in, split, bufSize, outSize, limit, true)
	gotMsg, gotErr, gotRest := readData(in, split, bufSize, outSize, limit, false)
	if !bytes.Equal(gotMsg, wantMsg) || !errors.Is(gotErr, wantErr) && gotErr != wantErr || !bytes.Equal(gotRest, wantRest) {
		t.Fatalf("input %q (split %d, buffer %d, reads of %d, limit %d):\n got %q, %v, rest %q\nwant %q, %v, rest %q",
			in, split, bufSize, outSize, limit, gotMsg, gotErr, gotRest, wantMsg, wantErr, wantRest)
	}
}

var dataCases = []string{
	"",
	".\r\n",
	"a\r\n.\r\n",
	"Subject: x\r\n\r\nbody line\r\n.\r\nQUIT\r\n",
	"..leading dot\r\n...two\r\n.\r\nRSET\r\n",
	"bare\rCR and bare\nLF\r\n.\r\n",
	"dot mid .\r\n line\r\n.\r\n",
	"\r\n\r\n\r\n.\r\n",
	".x\r\n.\r.\n.\r\n",
	"no end marker\r\n",
	"ends in CR\r",
	"line\r\n.\rnot end\r\n.\r\nNOOP\r\n",
	"long " + string(bytes.Repeat([]byte("y"), 5000)) + "\r\n.\r\n",
}

func TestDataReaderMatchesUpstream(t *testing.T) {
	for _, c := range dataCases {
		for split := 0; split < 3; split++ {
			for _, bufSize := range []int{16, 64, 4096} {
				for _, outSize := range []int{1, 3, 17, 4096} {
					for _, limit := range []int64{0, 5, 40} {
						checkData(t, []byte(c), split, bufSize, outSize, limit)
					}
				}
			}
		}
	}
}

func FuzzDataReader(f *testing.F) {
	for _, c := range dataCases {
		f.Add([]byte(c), uint8(0), uint8(16), uint8(7), uint8(0))
	}
	f.Fuzz(func(t *testing.T, in []byte, split, bufSize, outSize, limit uint8) {
		checkData(t, in, int(split), 16+int(bufSize), 1+int(outSize), int64(limit))
	})
}

func readLines(in []byte, split, bufSize, limit int, ref bool) (out []byte, err error, reads int) {
	l := &lineLimitReader{R: source(in, split), LineLimit: limit}
	buf := make([]byte, bufSize)
	for reads = 0; reads < 1<<20; reads++ {
		var n int
		if ref {
			n, err = refLineLimitRead(l, buf)
		} else {
			n, err = l.Read(buf)
		}
		out = append(out, buf[:n]...)
		if err != nil {
			break
		}
	}
	// After an error, the next Read must fail the same way too.
	if errors.Is(err, ErrTooLongLine) {
		var again error
		if ref {
			_, again = refLineLimitRead(l, buf)
		} else {
			_, again = l.Read(buf)
		}
		if again != ErrTooLongLine {
			err = errors.New("read after ErrTooLongLine did not fail")
		}
	}
	return out, err, reads
}

func checkLines(t *testing.T, in []byte, split, bufSize, limit int) {
	t.Helper()
	wantOut, wantErr, wantReads := readLines(in, split, bufSize, limit, true)
	gotOut, gotErr, gotReads := readLines(in, split, bufSize, limit, false)
	if !bytes.Equal(gotOut, wantOut) || (gotErr == nil) != (wantErr == nil) ||
		gotErr != nil && gotErr.Error() != wantErr.Error() || gotReads != wantReads {
		t.Fatalf("input %q (split %d, buffer %d, limit %d):\n got %q, %v after %d reads\nwant %q, %v after %d reads",
			in, split, bufSize, limit, gotOut, gotErr, gotReads, wantOut, wantErr, wantReads)
	}
}

func TestLineLimitMatchesUpstream(t *testing.T) {
	cases := []string{"", "\n", "abc\n", "abcd\n", "abcde\n", "ab\ncd\nefgh", "abcdef", "\n\n\n\n", "abcd\nabcde\nx"}
	for _, c := range cases {
		for split := 0; split < 3; split++ {
			for _, bufSize := range []int{1, 2, 5, 64} {
				for _, limit := range []int{0, 1, 4, 5, 6} {
					checkLines(t, []byte(c), split, bufSize, limit)
				}
			}
		}
	}
}

func FuzzLineLimitReader(f *testing.F) {
	f.Add([]byte("abcd\nabcde\nx"), uint8(0), uint8(4), uint8(5))
	f.Fuzz(func(t *testing.T, in []byte, split, bufSize, limit uint8) {
		checkLines(t, in, int(split), 1+int(bufSize), int(limit%40))
	})
}

// BenchmarkDataReader reads a 5 KB message of 78-byte lines as a server
// session would, with the patched reader and with upstream's.
func BenchmarkDataReader(b *testing.B) {
	line := append(bytes.Repeat([]byte("x"), 76), "\r\n"...)
	msg := append(bytes.Repeat(line, 64), ".\r\n"...)
	for _, bc := range []struct {
		name string
		ref  bool
	}{{"patched", false}, {"upstream", true}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(msg)))
			src := bytes.NewReader(msg)
			br := bufio.NewReaderSize(src, 4096)
			out := make([]byte, 8192)
			for i := 0; i < b.N; i++ {
				src.Reset(msg)
				br.Reset(src)
				r := &dataReader{r: br}
				for {
					var err error
					if bc.ref {
						_, err = refDataRead(r, out)
					} else {
						_, err = r.Read(out)
					}
					if err != nil {
						break
					}
				}
			}
		})
	}
}

// BenchmarkLineLimitReader scans the same message for line length.
func BenchmarkLineLimitReader(b *testing.B) {
	line := append(bytes.Repeat([]byte("x"), 76), "\r\n"...)
	msg := bytes.Repeat(line, 64)
	for _, bc := range []struct {
		name string
		ref  bool
	}{{"patched", false}, {"upstream", true}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(msg)))
			src := bytes.NewReader(msg)
			buf := make([]byte, 4096)
			for i := 0; i < b.N; i++ {
				src.Reset(msg)
				l := &lineLimitReader{R: src, LineLimit: 2000}
				for {
					var err error
					if bc.ref {
						_, err = refLineLimitRead(l, buf)
					} else {
						_, err = l.Read(buf)
					}
					if err != nil {
						break
					}
				}
			}
		})
	}
}

// refWriteResponse is upstream v0.26.0's Conn.writeResponse: its body
// verbatim (it flushed every line of a reply on its own).
func refWriteResponse(c *Conn, code int, enhCode EnhancedCode, text ...string) {
	// TODO: error handling
	if c.server.WriteTimeout != 0 {
		c.conn.SetWriteDeadline(time.Now().Add(c.server.WriteTimeout))
	}

	// All responses must include an enhanced code, if it is missing - use
	// a generic code X.0.0.
	if enhCode == EnhancedCodeNotSet {
		cat := code / 100
		switch cat {
		case 2, 4, 5:
			enhCode = EnhancedCode{cat, 0, 0}
		default:
			enhCode = NoEnhancedCode
		}
	}

	// transform each single line with \n, into separate lines
	text = strings.Split(strings.Join(text, "\n"), "\n")

	lastLineIndex := len(text) - 1
	for i := 0; i < lastLineIndex; i++ {
		c.text.PrintfLine("%d-%v", code, text[i])
	}
	if enhCode == NoEnhancedCode {
		c.text.PrintfLine("%d %v", code, text[lastLineIndex])
	} else {
		c.text.PrintfLine("%d %v.%v.%v %v", code, enhCode[0], enhCode[1], enhCode[2], text[lastLineIndex])
	}
}

// countWriter records what a connection was sent and in how many writes.
type countWriter struct {
	bytes.Buffer
	writes int
}

func (w *countWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

// replyConn is a server Conn whose replies go to a countWriter.
func replyConn() (*Conn, *countWriter) {
	w := &countWriter{}
	c := &Conn{server: &Server{}}
	c.text = textproto.NewConn(struct {
		io.Reader
		io.Writer
		io.Closer
	}{strings.NewReader(""), w, io.NopCloser(nil)})
	return c, w
}

type replyCase struct {
	code int
	enh  EnhancedCode
	text []string
}

var replyCases = []replyCase{
	{250, EnhancedCode{2, 0, 0}, []string{"OK"}},
	{250, EnhancedCodeNotSet, []string{"Hello", "PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "SIZE 10240000"}},
	{220, NoEnhancedCode, []string{"mx.example ESMTP"}},
	{354, NoEnhancedCode, []string{"Go ahead. End your data with <CR><LF>.<CR><LF>"}},
	{550, EnhancedCode{5, 7, 1}, []string{"line one\nline two", "three"}},
	{421, EnhancedCodeNotSet, nil},
	{451, EnhancedCode{4, 3, 0}, []string{""}},
	{500, EnhancedCode{5, 5, 2}, []string{"a\n", "\nb", ""}},
	{1, EnhancedCodeNotSet, []string{"odd code"}},
	{-250, EnhancedCode{-1, 10, 100}, []string{"negative"}},
}

// TestWriteResponseMatchesUpstream: the patched writeResponse sends the
// bytes upstream's did, whatever the lines, codes and newlines, in one
// write where upstream made one per line.
func TestWriteResponseMatchesUpstream(t *testing.T) {
	for _, rc := range replyCases {
		checkReply(t, rc)
	}
}

func checkReply(t *testing.T, rc replyCase) {
	t.Helper()
	got, gw := replyConn()
	want, ww := replyConn()
	got.writeResponse(rc.code, rc.enh, rc.text...)
	refWriteResponse(want, rc.code, rc.enh, rc.text...)
	if gw.String() != ww.String() {
		t.Fatalf("writeResponse(%d, %v, %q) = %q, upstream %q", rc.code, rc.enh, rc.text, gw.String(), ww.String())
	}
	if gw.Len() <= 4096 && gw.writes != 1 {
		t.Errorf("writeResponse(%d, %v, %q): %d writes, want 1 (upstream %d)", rc.code, rc.enh, rc.text, gw.writes, ww.writes)
	}
}

func FuzzWriteResponse(f *testing.F) {
	f.Add(250, 2, 0, 0, "Hello\nPIPELINING", "SIZE 1")
	f.Add(220, -1, -1, -1, "", "")
	f.Fuzz(func(t *testing.T, code, e0, e1, e2 int, a, b string) {
		checkReply(t, replyCase{code, EnhancedCode{e0, e1, e2}, []string{a, b}})
		checkReply(t, replyCase{code, EnhancedCode{e0, e1, e2}, []string{a}})
	})
}

// BenchmarkWriteResponse writes an EHLO reply of eight lines, patched and
// upstream; writes/op counts the connection's writes (syscalls on a
// socket).
func BenchmarkWriteResponse(b *testing.B) {
	ehlo := []string{"mx.example Hello", "PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES",
		"CHUNKING", "SMTPUTF8", "SIZE 36700160", "AUTH PLAIN LOGIN"}
	for _, bc := range []struct {
		name string
		ref  bool
		text []string
	}{{"ehlo/patched", false, ehlo}, {"ehlo/upstream", true, ehlo},
		{"250/patched", false, []string{"2.0.0 Ok: queued as 1234"}}, {"250/upstream", true, []string{"2.0.0 Ok: queued as 1234"}}} {
		b.Run(bc.name, func(b *testing.B) {
			c, w := replyConn()
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				w.Reset()
				if bc.ref {
					refWriteResponse(c, 250, NoEnhancedCode, bc.text...)
				} else {
					c.writeResponse(250, NoEnhancedCode, bc.text...)
				}
			}
			b.ReportMetric(float64(w.writes)/float64(b.N), "writes/op")
		})
	}
}
