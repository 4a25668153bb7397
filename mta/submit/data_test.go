package submit

import (
	"bytes"
	"strings"
	"testing"
	"testing/iotest"
)

// readData reads everything up to the limit it is given, whatever the
// reads' sizes, into pooled buffers; putData keeps none over
// maxPooledData. (sync.Pool drops items at random under -race, so reuse
// itself is not asserted.)
func TestReadData(t *testing.T) {
	b := &Backend{}
	msg := strings.Repeat("0123456789", 1000)
	for _, limit := range []int64{int64(len(msg)) + 1, int64(len(msg)), 10} {
		got, err := b.readData(iotest.HalfReader(strings.NewReader(msg)), limit)
		if err != nil {
			t.Fatal(err)
		}
		if want := msg[:min(int64(len(msg)), limit)]; string(got) != want {
			t.Fatalf("limit %d: read %d bytes, want %d", limit, len(got), len(want))
		}
		b.putData(got)
	}
	// A buffer handed back (small) serves a bigger message: it grows.
	first, _ := b.readData(strings.NewReader("small"), 100)
	b.putData(first)
	big := bytes.Repeat([]byte("x"), 50_000)
	second, _ := b.readData(iotest.OneByteReader(bytes.NewReader(big)), 1<<20)
	if !bytes.Equal(second, big) {
		t.Fatal("a 50 KB message read into a pooled buffer came out different")
	}
	b.putData(second)
	// One over maxPooledData is not kept.
	huge := make([]byte, 0, maxPooledData+1)
	b.putData(huge[:1])
	if got, _ := b.readData(strings.NewReader("x"), 10); cap(got) > maxPooledData {
		t.Fatalf("a %d-byte buffer was pooled", cap(got))
	}
}
