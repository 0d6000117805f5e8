package detect_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/detect"
)

// corpusFeed reads a real feed from the feed package's corpus, as it was published.
func corpusFeed(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "feed", "testdata", "corpus", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const acmeHome = `<!doctype html><html><head><title>Acme status</title></head><body>All good</body></html>`

// TestDetectPastedFeedAddresses: the feed addresses people paste, each serving a real feed, are
// read as the feed they are, by their content. Some servers label feeds text/html or text/plain;
// the label proves nothing either way.
func TestDetectPastedFeedAddresses(t *testing.T) {
	tests := []struct {
		name, path, file, ctype string
		want                    monitor.State
	}{
		{"a page's /feed (Better Stack)", "/feed", "betterstack_suffix_and_stale.rss", "application/rss+xml", monitor.StateDegraded},
		{"hund.io /state_feed/feed", "/state_feed/feed", "hund_state_feed_de_en.atom", "application/atom+xml", monitor.StateDegraded},
		{"a host's /xml/<name>.xml", "/xml/statusmeldungen.xml", "metanet_statusmeldungen_de.rss", "text/xml", monitor.StatePartialOutage},
		{"Azure /en-us/status/feed/", "/en-us/status/feed/", "azure_active_checkmk.rss", "text/html; charset=utf-8", monitor.StateDegraded},
		{"AWS /rss/all.rss", "/rss/all.rss", "aws_tokyo_ec2_ja.rss", "application/rss+xml", monitor.StateOperational},
		{"Statuspage /history.rss", "/history.rss", "github_history_2021.rss", "application/rss+xml", monitor.StateOperational},
		{"Slack /feed/atom", "/feed/atom", "slack_atom_threads_resolved.atom", "text/plain", monitor.StateOperational},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := serve(t, site{routes: map[string]route{
				"/":     {status: 200, ctype: "text/html", body: acmeHome},
				tt.path: {status: 200, ctype: tt.ctype, body: corpusFeed(t, tt.file)},
			}})
			got, err := detect.Detect(context.Background(), newFetcher(), srv.URL+tt.path, candidates())
			if err != nil {
				t.Fatalf("Detect(%s): %v", tt.path, err)
			}
			if got.Platform != "feed" || got.Endpoint != srv.URL+tt.path {
				t.Errorf("platform %q, endpoint %q, want feed at %q", got.Platform, got.Endpoint, srv.URL+tt.path)
			}
			if got.State != tt.want {
				t.Errorf("state %v, want %v", got.State, tt.want)
			}
		})
	}
}

// TestDetectPastedAddressTraps: what looks like a feed by its address or label but is not one by
// its content is not taken for a feed of incidents.
func TestDetectPastedAddressTraps(t *testing.T) {
	const mentionsRSS = `<!DOCTYPE html><html><head><title>Status</title>
		<meta name="description" content="Subscribe to our RSS feed"></head>
		<body><p>Subscribe to our rss channel: <code>&lt;rss version="2.0"&gt;&lt;channel&gt;</code></p>
		<p>All systems operational.</p></body></html>`
	const maintenancePage = `<!DOCTYPE html>
<html lang="de">
<head><title>Wartungsarbeiten</title></head>
<body><h1>Wartungsarbeiten</h1><p>Leider steht die aufgerufene Webseite wegen Wartungsarbeiten nicht zur Verf&uuml;gung.</p></body></html>`
	tests := []struct {
		name, path string
		site       site
		catchAll   bool
	}{
		{name: "a web page that mentions RSS", path: "/status", site: site{routes: map[string]route{
			"/":       {status: 200, ctype: "text/html", body: acmeHome},
			"/status": {status: 200, ctype: "text/html", body: mentionsRSS},
		}}},
		{name: "a web page labelled as a feed", path: "/feed", site: site{routes: map[string]route{
			"/feed": {status: 200, ctype: "application/rss+xml", body: mentionsRSS},
		}}},
		{name: "a maintenance page on the feed's address", path: "/rss/all.rss", site: site{routes: map[string]route{
			"/rss/all.rss": {status: 200, ctype: "text/html", body: maintenancePage},
		}}},
		{name: "JSON on the feed's address", path: "/history.atom", site: site{routes: map[string]route{
			"/history.atom": jsonRoute(`{"status":"ok","active_incidents":[]}`),
		}}},
		{name: "the same feed for every address", path: "/feed", catchAll: true,
			site: site{fallback: &route{status: 200, ctype: "application/rss+xml", body: corpusFeed(t, "betterstack_suffix_and_stale.rss")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := serve(t, tt.site)
			r, err := detect.Detect(context.Background(), newFetcher(), srv.URL+tt.path, candidates())
			var e *detect.Error
			if !errors.As(err, &e) || e.Kind != detect.ErrNotFound {
				t.Fatalf("Detect = %+v, %v; want ErrNotFound", r, err)
			}
			if e.CatchAll != tt.catchAll {
				t.Errorf("CatchAll = %v, want %v", e.CatchAll, tt.catchAll)
			}
		})
	}
}

// TestDetectBareAddressSkipsSelf: a bare address is a home page; reading it as a feed first
// would only repeat the home page fetch, so detection goes straight to its usual search.
func TestDetectBareAddressSkipsSelf(t *testing.T) {
	var feedAccepts atomic.Int64
	srv, _ := serve(t, site{routes: map[string]route{
		"/":             {status: 200, ctype: "text/html", body: acmeHome},
		"/history.atom": {status: 200, ctype: "application/atom+xml", body: corpusFeed(t, "claude_history_update.atom")},
	}})
	srv.Config.Handler = countFeedAccepts(srv.Config.Handler, &feedAccepts)
	got, err := detect.Detect(context.Background(), newFetcher(), srv.URL, candidates())
	if err != nil {
		t.Fatal(err)
	}
	if got.Endpoint != srv.URL+"/history.atom" || got.State != monitor.StateDegraded {
		t.Errorf("got %q %v, want the history feed, degraded", got.Endpoint, got.State)
	}
	if n := feedAccepts.Load(); n != 0 {
		t.Errorf("the home page was asked for as a feed %d times", n)
	}
}

func countFeedAccepts(h http.Handler, n *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" && strings.Contains(r.Header.Get("Accept"), "atom") {
			n.Add(1)
		}
		h.ServeHTTP(w, r)
	})
}
