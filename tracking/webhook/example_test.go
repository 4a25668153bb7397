package webhook_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"sluice/tracking/webhook"
)

// A receiver written in Go checks the signature over the raw body before
// decoding it, and refuses timestamps more than five minutes away.
func ExampleVerify() {
	secret := []byte("whsec-0123456789abcdef")
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		err = webhook.Verify(secret, r.Header.Get(webhook.SignatureHeader), body, time.Now(), 5*time.Minute)
		if err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		// Decode body as a webhook.Payload; skip event ids already seen.
		w.WriteHeader(http.StatusNoContent)
	})

	body := `{"events":[]}`
	for _, sig := range []string{webhook.Sign(secret, time.Now(), []byte(body)), "t=1,v1=00"} {
		req := httptest.NewRequest(http.MethodPost, "/hooks/sluice", strings.NewReader(body))
		req.Header.Set(webhook.SignatureHeader, sig)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		fmt.Println(rec.Code)
	}
	// Output:
	// 204
	// 401
}
