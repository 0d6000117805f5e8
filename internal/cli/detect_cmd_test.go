package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/paywatch/paywatch/monitor"
)

// statuspageSite imitates an Atlassian Statuspage page on 127.0.0.1.
func statuspageSite(t *testing.T) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v2/summary.json" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"page":   map[string]any{"id": "kr0djjh0jyy9", "name": "Acme Pay", "url": srv.URL},
			"status": map[string]any{"indicator": "minor", "description": "Partially Degraded Service"},
			"components": []map[string]any{
				{"id": "c1", "name": "Card payments", "status": "degraded_performance", "group": false},
				{"id": "c2", "name": "Payouts", "status": "operational", "group": false},
			},
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// catchAllSite answers every address with the same web page.
func catchAllSite(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!DOCTYPE html><html><body>Welcome to Acme</body></html>"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// checkSuggestion checks that the lines detect suggests are a valid services: list.
func checkSuggestion(t *testing.T, out string) {
	t.Helper()
	i := strings.Index(out, "\n- name: ")
	if i < 0 {
		t.Fatalf("no settings lines in output:\n%s", out)
	}
	if _, err := monitor.ParseConfig([]byte("services:\n" + out[i+1:])); err != nil {
		t.Errorf("suggested settings do not load: %v\n%s", err, out[i+1:])
	}
}

func TestDetectCommandStatuspage(t *testing.T) {
	srv := statuspageSite(t)
	var stdout, stderr bytes.Buffer
	if code := cmdDetect([]string{srv.URL}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code = %d, want 0; stderr: %s", code, stderr.String())
	}
	endpoint := srv.URL + "/api/v2/summary.json"
	want := "Platform:  Atlassian Statuspage (statuspage)\n" +
		"Endpoint:  " + endpoint + "\n" +
		"Page:      Acme Pay\n" +
		"State:     Degraded\n" +
		"\nTo watch it, add this to the services: list in your settings file:\n\n" +
		"- name: Acme Pay\n" +
		"  url: " + endpoint + "\n" +
		"  platform: statuspage\n"
	if got := stdout.String(); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
	checkSuggestion(t, stdout.String())
}

func TestDetectCommandJSON(t *testing.T) {
	srv := statuspageSite(t)
	var stdout, stderr bytes.Buffer
	// The flag may follow the address.
	if code := cmdDetect([]string{srv.URL, "--json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code = %d, want 0; stderr: %s", code, stderr.String())
	}
	var got map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout.String())
	}
	want := map[string]any{"platform": "statuspage", "endpoint": srv.URL + "/api/v2/summary.json", "page_name": "Acme Pay", "state": "degraded"}
	if len(got) != len(want) {
		t.Errorf("keys = %v, want exactly %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

func TestDetectCommandNothingFound(t *testing.T) {
	srv := catchAllSite(t)
	var stdout, stderr bytes.Buffer
	if code := cmdDetect([]string{srv.URL}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit code = %d, want 1", code)
	}
	out := stdout.String()
	for _, want := range []string{
		"No status page Paywatch can read was found at " + srv.URL + " (it answers the same web page for every address); watch the site with probe: instead.\n",
		"\n- name: 127.0.0.1\n  probe: " + srv.URL + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output:\n%s\nwant it to contain:\n%s", out, want)
		}
	}
	checkSuggestion(t, out)

	stdout.Reset()
	if code := cmdDetect([]string{"--json", srv.URL}, &stdout, &stderr); code != 1 {
		t.Fatalf("--json: exit code = %d, want 1", code)
	}
	var got struct{ Error, Probe string }
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil || got.Probe != srv.URL || !strings.HasPrefix(got.Error, "no status page Paywatch can read") {
		t.Errorf("--json output = %s (%v), want an error and probe %s", stdout.String(), err, srv.URL)
	}
}

func TestDetectCommandUsage(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{name: "no address", args: nil, wantCode: 64, wantStderr: "Usage: paywatch detect URL"},
		{name: "two addresses", args: []string{"a.example", "b.example"}, wantCode: 64, wantStderr: "Usage: paywatch detect URL"},
		{name: "unknown flag", args: []string{"--yaml", "a.example"}, wantCode: 64, wantStderr: "flag provided but not defined"},
		{name: "no host", args: []string{"https://"}, wantCode: 64, wantStderr: `paywatch: "https://" has no host name`},
		{name: "unreachable", args: []string{closed.URL}, wantCode: 3, wantStderr: "paywatch: could not look at " + closed.URL + ": the server refused the connection"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := cmdDetect(tt.args, &stdout, &stderr); code != tt.wantCode {
				t.Errorf("exit code = %d, want %d", code, tt.wantCode)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}

// TestDetectWiring resolves a service given as url: alone: it is detected (here a feed linked
// from the home page), its checker polls the feed rather than the home page, and the answer is
// cached so the next start asks nothing.
func TestDetectWiring(t *testing.T) {
	cacheHome := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cacheHome)
	t.Setenv("HOME", t.TempDir())
	feed := `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Acme Status</title><id>tag:acme,2005:/history</id>
<updated>2026-06-10T16:20:00Z</updated></feed>`
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/":
			w.Write([]byte(`<html><head><link rel="alternate" type="application/atom+xml" href="/updates.atom"></head></html>`))
		case "/updates.atom":
			w.Header().Set("Content-Type", "application/atom+xml")
			w.Write([]byte(feed))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	cfg := &monitor.Config{Services: []monitor.ServiceConfig{{Name: "Acme", URL: srv.URL}}}

	specs, err := monitor.Resolve(cfg, mustCatalog(), builders(newFetcher()))
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	tg := specs[0].Targets[0]
	if tg.Platform != autoPlatform || tg.URL != srv.URL {
		t.Errorf("target = %s at %s, want %s at %s (detected on its first check)", tg.Platform, tg.URL, autoPlatform, srv.URL)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("Resolve made %d requests; start-up must not wait on the network", n)
	}
	rep, err := tg.Checker.Check(context.Background())
	if err != nil {
		t.Fatalf("Check: %v (the checker must poll the feed, not the home page)", err)
	}
	if rep.PageName == "" {
		t.Errorf("report = %+v, want the feed's", rep)
	}
	b, err := os.ReadFile(filepath.Join(cacheHome, "paywatch", "detected.json"))
	if err != nil || !strings.Contains(string(b), `"endpoint": "`+srv.URL+`/updates.atom"`) {
		t.Errorf("cache file = %s (%v), want the feed's endpoint", b, err)
	}

	n := hits.Load()
	specs, err = monitor.Resolve(cfg, mustCatalog(), builders(newFetcher()))
	if err != nil || specs[0].Targets[0].Platform != "feed" {
		t.Fatalf("second Resolve = %v, want feed from the cache", err)
	}
	if hits.Load() != n {
		t.Errorf("second Resolve made %d requests, want none", hits.Load()-n)
	}
	if _, err := specs[0].Targets[0].Checker.Check(context.Background()); err != nil {
		t.Errorf("Check after a cached detection: %v", err)
	}

	// config check never goes to the network.
	if checkOnlyBuilders().Detect != nil {
		t.Error("checkOnlyBuilders detects pages; config check must not touch the network")
	}
}

// TestDetectingCheckerRetries: a page that cannot be reached at first is still watched; its
// checker detects it once it answers.
func TestDetectingCheckerRetries(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	var up atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if r.URL.Path == "/api/v2/summary.json" || r.URL.Path == "/api/v2/status.json" {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"page":{"id":"abcdefghijkl","name":"Acme","url":%q},"status":{"indicator":"minor","description":"Minor"},"components":[]}`, "http://"+r.Host)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	cfg := &monitor.Config{Services: []monitor.ServiceConfig{{Name: "Acme", URL: srv.URL}}}
	specs, err := monitor.Resolve(cfg, mustCatalog(), builders(newFetcher()))
	if err != nil {
		t.Fatalf("Resolve with the page down: %v (it must still be watched)", err)
	}
	c := specs[0].Targets[0].Checker
	if _, err := c.Check(context.Background()); err == nil || monitor.Reason(err) == "" {
		t.Fatalf("first check with the page down: err %v, want a readable error", err)
	}
	up.Store(true)
	rep, err := c.Check(context.Background())
	if err != nil {
		t.Fatalf("check once the page is up: %v", err)
	}
	if st, _, _ := monitor.Rollup(rep, monitor.ComponentFilter{}); st != monitor.StateDegraded || rep.Platform != "statuspage" {
		t.Errorf("state %v from %q, want degraded from the detected Statuspage", st, rep.Platform)
	}
}
