package admin

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"sluice/queue"
)

// A data subject request naming an address in a form the spool holds
// from before submission refused it (a trailing dot: accepted at RCPT by
// older releases), or in another spelling of the same mailbox (case, an
// upper-case IDN), is found and erased over the API, not refused 400 by
// the submission's syntax rule; junk is still 400.
func TestPrivacyOlderAddressForms(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Stored as an older release accepted them.
	f.enqueue(queue.Marketing, "ann@example.test.")
	f.enqueue(queue.Transactional, "ann@example.test.", "bob@example.test")
	f.enqueue(queue.Marketing, "jürgen@bücher.test")

	for _, addr := range []string{"ann@example.test.", " Ann@Example.TEST. ", "ann@example.test"} {
		code, body := f.do(http.MethodGet, "/api/v1/privacy/export?tenant=acme&address="+url.QueryEscape(addr), "")
		var ex SubjectExport
		if err := json.Unmarshal(body, &ex); code != http.StatusOK || err != nil || len(ex.Directory) != 2 || len(ex.Queued) != 2 {
			t.Fatalf("export %q: %d %s", addr, code, body)
		}
	}
	code, body := f.do(http.MethodGet, "/api/v1/privacy/export?tenant=acme&address="+url.QueryEscape("jürgen@BÜCHER.test"), "")
	var ex SubjectExport
	if err := json.Unmarshal(body, &ex); code != http.StatusOK || err != nil || len(ex.Directory) != 1 {
		t.Fatalf("export of an upper-case IDN: %d %s", code, body)
	}

	code, body = f.do(http.MethodPost, "/api/v1/privacy/erase", `{"tenant":"acme","address":"ann@example.test."}`)
	var er Erasure
	if err := json.Unmarshal(body, &er); code != http.StatusOK || err != nil || er.DirectoryEntries != 2 || er.QueuedRemoved != 2 {
		t.Fatalf("erase: %d %s", code, body)
	}
	code, body = f.do(http.MethodGet, "/api/v1/privacy/export?tenant=acme&address=ann@example.test", "")
	if err := json.Unmarshal(body, &ex); code != http.StatusOK || err != nil || len(ex.Directory) != 0 || len(ex.Queued) != 0 {
		t.Fatalf("export after the erasure: %d %s", code, body)
	}

	for _, bad := range []string{"", "ann", "ann@", "@example.test", "a b@example.test", "ann@exa mple.test"} {
		if code, body := f.do(http.MethodPost, "/api/v1/privacy/erase", `{"tenant":"acme","address":"`+bad+`"}`); code != http.StatusBadRequest {
			t.Errorf("erase %q: %d %s, want 400", bad, code, body)
		}
	}
}
