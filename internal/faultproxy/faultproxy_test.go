package faultproxy

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestModes: what a client sees through the proxy in each mode.
func TestModes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") }))
	defer srv.Close()
	p, err := New(strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	get := func(timeout time.Duration) (string, error) {
		tr := &http.Transport{DisableKeepAlives: true}
		defer tr.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+p.Addr()+"/", nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	if body, err := get(2 * time.Second); body != "hello" || err != nil {
		t.Fatalf("pass: %q, %v", body, err)
	}
	p.Set(Reset)
	if _, err := get(2 * time.Second); err == nil || !strings.Contains(err.Error(), "reset") && !strings.Contains(err.Error(), "EOF") {
		t.Errorf("reset: error %v, want the connection reset", err)
	}
	p.Set(Portal)
	if body, _ := get(2 * time.Second); body != SignInPage {
		t.Errorf("portal: %q, want the sign-in page", body)
	}
	p.Set(Blackhole)
	if _, err := get(200 * time.Millisecond); err == nil {
		t.Error("blackhole: answered")
	}
	// Hang: held while it lasts, answered once it ends.
	p.Set(Hang)
	got := make(chan string, 1)
	go func() { body, _ := get(5 * time.Second); got <- body }()
	select {
	case body := <-got:
		t.Fatalf("hang: answered %q while hanging", body)
	case <-time.After(200 * time.Millisecond):
	}
	p.Set(Pass)
	if body := <-got; body != "hello" {
		t.Errorf("hang, then pass: %q, want the answer", body)
	}
}
