package webhook

import "testing"

// An outbox without endpoints gives the store no hook; one with an
// endpoint gives Append.
func TestHook(t *testing.T) {
	t.Parallel()
	none, err := NewOutbox(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if none.Hook() != nil || none.Endpoints() != 0 {
		t.Fatalf("no endpoint: hook %v, %d endpoints", none.Hook() != nil, none.Endpoints())
	}
	one, err := NewOutbox([]Endpoint{{Tenant: "acme", URL: "https://hooks.example.test/x", Secret: []byte("0123456789abcdef")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if one.Hook() == nil || one.Endpoints() != 1 {
		t.Fatalf("one endpoint: hook %v, %d endpoints", one.Hook() != nil, one.Endpoints())
	}
}
