package monitor_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/statuspage"
)

// TestEngineSurvivesHostileServers runs the real engine over a mix of broken servers and one
// good page: every broken one ends as an error with a readable reason (never an outage), the
// good one keeps being checked, and nothing is left running afterwards.
func TestEngineSurvivesHostileServers(t *testing.T) {
	before := runtime.NumGoroutine()
	good := `{"page":{"id":"abcdefghijkl","name":"Good","url":"https://good.example"},"status":{"indicator":"none","description":"All Systems Operational"},"components":[]}`
	handlers := map[string]http.HandlerFunc{
		"good": func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(good)) },
		"html": func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<!doctype html><p>Welcome</p>")) },
		"loop": func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, r.URL.Path, http.StatusFound) },
		"huge": func(w http.ResponseWriter, r *http.Request) {
			chunk := []byte(strings.Repeat("a", 64<<10))
			for range 1024 { // 64 MB, far over the cap
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		},
		"slow": func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("{"))
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(30 * time.Second):
			}
		},
		"down": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) },
		"null": func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("null")) },
	}
	f := monitor.NewFetcher(monitor.FetcherOptions{Timeout: time.Second, MaxBody: 1 << 20})
	var targets []monitor.Target
	var servers []*httptest.Server
	for name, h := range handlers {
		srv := httptest.NewServer(h)
		servers = append(servers, srv)
		targets = append(targets, monitor.Target{ServiceID: name, SourceID: "page", URL: srv.URL, Interval: time.Second, Checker: statuspage.New(srv.URL, f)})
	}
	e := monitor.NewEngine(targets, monitor.EngineOptions{Stagger: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan monitor.Observation, 64)
	done := make(chan struct{})
	go func() { e.Run(ctx, out); close(done) }()

	reasons := map[string]string{}
	goodChecks := 0
	deadline := time.After(20 * time.Second)
	for goodChecks < 3 || len(reasons) < len(handlers)-1 {
		select {
		case o := <-out:
			name := strings.TrimSuffix(o.Target, "/page")
			if name == "good" {
				if o.Err != nil {
					t.Fatalf("the good page failed: %v", o.Err)
				}
				goodChecks++
				continue
			}
			if o.Err == nil {
				t.Fatalf("%s gave a report %+v, want an error", name, o.Report)
			}
			reasons[name] = monitor.Reason(o.Err)
		case <-deadline:
			t.Fatalf("after 20 s: good page checked %d times, errors from %v", goodChecks, reasons)
		}
	}
	cancel()
	<-done
	for _, s := range servers {
		s.Close()
	}
	want := map[string]string{
		"html": "the status page returned a web page instead of status data",
		"loop": "the page kept redirecting",
		"huge": "the status page sent more data than expected (over 1 MB)",
		"slow": "timed out after 1 s",
		"down": "the status page's server had an error (HTTP 503)",
		"null": "the status page's answer could not be read: it was empty (null)",
	}
	for name, w := range want {
		if reasons[name] != w {
			t.Errorf("%s: reason %q, want %q", name, reasons[name], w)
		}
	}
	f.CloseIdleConnections()
	waitGoroutines(t, before)
}

// TestHugeBodyMemoryBounded: a 64 MB answer costs about the body cap, not 64 MB.
func TestHugeBodyMemoryBounded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("a", 64<<10))
		for range 1024 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	f := monitor.NewFetcher(monitor.FetcherOptions{MaxBody: 1 << 20})
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	_, err := f.GetJSON(context.Background(), srv.URL+"/api/v2/summary.json")
	runtime.ReadMemStats(&m1)
	if err == nil {
		t.Fatal("a 64 MB answer was accepted")
	}
	if grew := m1.TotalAlloc - m0.TotalAlloc; grew > 8<<20 {
		t.Errorf("fetching a 64 MB answer with a 1 MB cap allocated %s, want under 8 MB", fmt.Sprintf("%.1f MB", float64(grew)/(1<<20)))
	}
}
