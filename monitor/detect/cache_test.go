package detect

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

func testCache(t *testing.T, now *time.Time) *Cache {
	t.Helper()
	c := NewCache(filepath.Join(t.TempDir(), "sub", "detected.json"))
	c.now = func() time.Time { return *now }
	return c
}

func TestCacheStoreLookup(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := testCache(t, &now)
	if _, ok := c.Lookup("status.acme.com"); ok {
		t.Fatal("Lookup on an empty cache found something")
	}
	r := Result{Platform: "statuspage", Endpoint: "https://status.acme.com/api/v2/summary.json"}
	if err := c.Store("status.acme.com", r); err != nil {
		t.Fatalf("Store: %v", err)
	}
	// The same address written another way is the same entry.
	for _, u := range []string{"status.acme.com", "https://status.acme.com/", "HTTPS://STATUS.ACME.COM"} {
		if p, ok := c.Lookup(u); !ok || p != "statuspage" {
			t.Errorf("Lookup(%q) = %q, %v; want statuspage", u, p, ok)
		}
	}
	if e, _ := c.Entry("status.acme.com"); e.Endpoint != r.Endpoint || !e.DetectedAt.Equal(now) {
		t.Errorf("Entry = %+v, want endpoint %s detected at %s", e, r.Endpoint, now)
	}

	// A second Cache on the same file (another process) sees it.
	if e, ok := NewCache(c.Path()).Entry("status.acme.com"); !ok || e.Platform != "statuspage" {
		t.Errorf("a second cache on the file: Entry = %+v, %v", e, ok)
	}

	// The file is JSON keyed by the normalised address, private, with no temporary files left.
	b, err := os.ReadFile(c.Path())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]Entry
	if err := json.Unmarshal(b, &m); err != nil || m["https://status.acme.com"].Platform != "statuspage" {
		t.Errorf("file = %s (%v), want an entry under https://status.acme.com", b, err)
	}
	if fi, err := os.Stat(c.Path()); err == nil && fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("file mode = %v, want private", fi.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(c.Path()), ".detected-*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}

	// Entries age out after MaxAge, but stay readable through Entry.
	now = now.Add(MaxAge + time.Hour)
	if _, ok := c.Lookup("status.acme.com"); ok {
		t.Error("Lookup found an entry older than MaxAge")
	}
	if _, ok := c.Entry("status.acme.com"); !ok {
		t.Error("Entry lost an old entry")
	}
}

func TestCacheDamagedFile(t *testing.T) {
	now := time.Now()
	c := testCache(t, &now)
	os.MkdirAll(filepath.Dir(c.Path()), 0o700)
	if err := os.WriteFile(c.Path(), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Lookup("status.acme.com"); ok {
		t.Error("Lookup found an entry in a damaged file")
	}
	if err := c.Store("status.acme.com", Result{Platform: "feed", Endpoint: "https://status.acme.com/history.atom"}); err != nil {
		t.Fatalf("Store over a damaged file: %v", err)
	}
	if p, ok := c.Lookup("status.acme.com"); !ok || p != "feed" {
		t.Errorf("Lookup after Store = %q, %v", p, ok)
	}
}

func TestNilCache(t *testing.T) {
	var c *Cache
	if _, ok := c.Lookup("status.acme.com"); ok {
		t.Error("nil cache found something")
	}
	if err := c.Store("status.acme.com", Result{Platform: "statuspage"}); err != nil {
		t.Errorf("nil cache Store: %v", err)
	}
}

// okCandidate fits any page that answers {"ok":true} at /status.json.
var okCandidate = []Candidate{{
	Platform: "statuspage",
	Paths:    []string{"/status.json"},
	Parse: func(r io.Reader) (monitor.Report, error) {
		var v struct{ OK bool }
		if err := json.NewDecoder(r).Decode(&v); err != nil || !v.OK {
			return monitor.Report{}, errors.New("not ok")
		}
		return monitor.Report{Indicator: monitor.StateOperational}, nil
	},
}}

func TestCacheDetect(t *testing.T) {
	var mode atomic.Value // "ok", "busy" (429 everywhere) or "html" (one web page for every path)
	mode.Store("ok")
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch mode.Load() {
		case "html":
			w.Write([]byte("<html>same for every path</html>"))
		case "busy":
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			if r.URL.Path != "/status.json" {
				http.NotFound(w, r)
				return
			}
			w.Write([]byte(`{"ok":true}`))
		}
	}))
	defer srv.Close()
	f := monitor.NewFetcher(monitor.FetcherOptions{Timeout: 5 * time.Second})
	now := time.Now()
	c := testCache(t, &now)
	ctx := context.Background()

	e, err := c.Detect(ctx, f, srv.URL, okCandidate)
	if err != nil || e.Platform != "statuspage" || e.Endpoint != srv.URL+"/status.json" {
		t.Fatalf("first Detect = %+v, %v", e, err)
	}
	n := hits.Load()
	if _, err := c.Detect(ctx, f, srv.URL+"/", okCandidate); err != nil || hits.Load() != n {
		t.Errorf("second Detect: err %v, %d requests; want the cached answer and none", err, hits.Load()-n)
	}

	// Old and the site is busy: the old answer stands.
	now = now.Add(MaxAge + time.Hour)
	mode.Store("busy")
	if e, err := c.Detect(ctx, f, srv.URL, okCandidate); err != nil || e.Platform != "statuspage" {
		t.Errorf("Detect on an old entry while the site is busy = %+v, %v; want the old entry", e, err)
	}

	// Old and the site no longer has a status page: say so.
	mode.Store("html")
	_, err = c.Detect(ctx, f, srv.URL, okCandidate)
	var de *Error
	if !errors.As(err, &de) || de.Kind != ErrNotFound {
		t.Errorf("Detect after the page went away = %v, want ErrNotFound", err)
	}

	// Detected again: stored with the new date.
	mode.Store("ok")
	if _, err := c.Detect(ctx, f, srv.URL, okCandidate); err != nil {
		t.Fatal(err)
	}
	if p, ok := c.Lookup(srv.URL); !ok || p != "statuspage" {
		t.Errorf("Lookup after re-detection = %q, %v", p, ok)
	}
}
