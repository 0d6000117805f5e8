package detect_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/detect"
	"github.com/paywatch/paywatch/monitor/platforms"
)

// The tests use the real platform table, as package main does; package detect itself imports no
// platform package.
func candidates() []detect.Candidate { return platforms.Candidates(nil) }

// route is one canned answer.
type route struct {
	status   int
	ctype    string
	body     string
	location string
}

func jsonRoute(body string) route { return route{status: 200, ctype: "application/json", body: body} }

const catchAllHTML = `<!DOCTYPE html><html><head><title>Acme</title></head><body><div id="app">Loading…</div></body></html>`

// site is a status site on 127.0.0.1: routes by path ("/api/v2/*" for a whole folder),
// fallback for everything else (404 when nil). {{host}} in a body becomes the server's host:port.
type site struct {
	routes   map[string]route
	fallback *route
}

func serve(t *testing.T, s site) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(nil)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		rt, ok := s.routes[r.URL.Path]
		for k, v := range s.routes {
			if prefix, wild := strings.CutSuffix(k, "*"); !ok && wild && strings.HasPrefix(r.URL.Path, prefix) {
				rt, ok = v, true
			}
		}
		if !ok {
			if s.fallback == nil {
				http.NotFound(w, r)
				return
			}
			rt = *s.fallback
		}
		if rt.location != "" {
			http.Redirect(w, r, rt.location, rt.status)
			return
		}
		if rt.ctype != "" {
			w.Header().Set("Content-Type", rt.ctype)
		}
		w.WriteHeader(rt.status)
		io.WriteString(w, strings.ReplaceAll(rt.body, "{{host}}", srv.Listener.Addr().String()))
	})
	t.Cleanup(srv.Close)
	return srv, &n
}

var exampleHost = regexp.MustCompile(`status\.[a-z0-9-]+\.example`)

// fixture reads a platform package's testdata file with its page's host replaced by {{host}}, so
// that the page says it lives where the test serves it.
func fixture(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	s := exampleHost.ReplaceAllString(string(b), "{{host}}")
	return strings.ReplaceAll(s, "https://{{host}}", "http://{{host}}")
}

func newFetcher() *monitor.Fetcher {
	return monitor.NewFetcher(monitor.FetcherOptions{Timeout: 5 * time.Second})
}

func TestDetectPlatforms(t *testing.T) {
	tests := []struct {
		name         string
		site         site
		path         string // appended to the server's address to make the address asked about
		wantPlatform string
		wantEndpoint string // relative to the server's address
		wantName     string
		wantState    monitor.State
	}{
		{
			name:         "statuspage",
			site:         site{routes: map[string]route{"/api/v2/summary.json": jsonRoute(fixture(t, "statuspage/testdata/operational.json"))}},
			wantPlatform: "statuspage", wantEndpoint: "/api/v2/summary.json", wantName: "Acme Payments", wantState: monitor.StateOperational,
		},
		{
			name:         "statuspage in a major outage",
			site:         site{routes: map[string]route{"/api/v2/summary.json": jsonRoute(fixture(t, "statuspage/testdata/major_outage.json"))}},
			wantPlatform: "statuspage", wantEndpoint: "/api/v2/summary.json", wantName: "Acme Payments", wantState: monitor.StateMajorOutage,
		},
		{
			name:         "address given with its API path",
			site:         site{routes: map[string]route{"/api/v2/summary.json": jsonRoute(fixture(t, "statuspage/testdata/operational.json"))}},
			path:         "/api/v2/summary.json",
			wantPlatform: "statuspage", wantEndpoint: "/api/v2/summary.json", wantName: "Acme Payments", wantState: monitor.StateOperational,
		},
		{
			name:         "incident.io Statuspage-compatible API",
			site:         site{routes: map[string]route{"/api/v2/summary.json": jsonRoute(fixture(t, "statuspage/testdata/incidentio_compat.json"))}},
			wantPlatform: "incidentio", wantEndpoint: "/api/v2/summary.json", wantName: "Globex Pay", wantState: monitor.StateDegraded,
		},
		{
			name: "incident.io widget API",
			site: site{routes: map[string]route{
				// incident.io answers a path it does not serve with 404 and an empty body.
				"/api/v1/summary": jsonRoute(fixture(t, "incidentio/testdata/degraded.json")),
			}},
			wantPlatform: "incidentio_widget", wantEndpoint: "/api/v1/summary", wantName: "Acme Payments", wantState: monitor.StateDegraded,
		},
		{
			name:         "instatus",
			site:         site{routes: map[string]route{"/summary.json": jsonRoute(fixture(t, "instatus/testdata/partial_outage.json"))}},
			wantPlatform: "instatus", wantEndpoint: "/summary.json", wantName: "Acme Pay", wantState: monitor.StatePartialOutage,
		},
		{
			name: "better stack behind a catch-all web page",
			site: site{
				routes:   map[string]route{"/index.json": jsonRoute(fixture(t, "betterstack/testdata/operational.json"))},
				fallback: &route{status: 200, ctype: "text/html", body: catchAllHTML},
			},
			wantPlatform: "betterstack", wantEndpoint: "/index.json", wantName: "Acme Pay", wantState: monitor.StateOperational,
		},
		{
			name: "cachet 2",
			site: site{routes: map[string]route{
				"/api/v1/ping":       jsonRoute(`{"data":"Pong!"}`),
				"/api/v1/components": jsonRoute(fixture(t, "cachet/testdata/v2/operational/components.json")),
			}},
			wantPlatform: "cachet", wantEndpoint: "/api/v1/components?per_page=100", wantState: monitor.StateOperational,
		},
		{
			name: "cachet 3",
			site: site{routes: map[string]route{
				"/api/ping":       jsonRoute(`{"data":"Pong!"}`),
				"/api/components": jsonRoute(fixture(t, "cachet/testdata/v3/degraded/components.json")),
			}},
			wantPlatform: "cachet", wantEndpoint: "/api/components?per_page=100", wantState: monitor.StateDegraded,
		},
		{
			name: "feed linked from the home page",
			site: site{routes: map[string]route{
				"/": {status: 200, ctype: "text/html", body: `<!doctype html><html><head>
					<link rel="stylesheet" href="/a.css">
					<link type="application/atom+xml" rel="alternate" href="/status/feed.xml?lang=en&amp;x=1" title="Incidents">
					</head><body>Acme status</body></html>`},
				"/status/feed.xml": {status: 200, ctype: "application/atom+xml", body: fixture(t, "feed/testdata/paypal_incident.atom")},
			}},
			wantPlatform: "feed", wantEndpoint: "/status/feed.xml?lang=en&x=1", wantName: "PayPal", wantState: monitor.StatePartialOutage,
		},
		{
			name: "feed at a well-known path",
			site: site{routes: map[string]route{
				"/":             {status: 200, ctype: "text/html", body: `<!doctype html><html><body>Acme status</body></html>`},
				"/history.atom": {status: 200, ctype: "application/atom+xml", body: fixture(t, "feed/testdata/history_operational.atom")},
			}},
			wantPlatform: "feed", wantEndpoint: "/history.atom", wantState: monitor.StateOperational,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := serve(t, tt.site)
			got, err := detect.Detect(context.Background(), newFetcher(), srv.URL+tt.path, candidates())
			if err != nil {
				t.Fatalf("Detect: %v", err)
			}
			if got.Platform != tt.wantPlatform {
				t.Errorf("Platform = %q, want %q", got.Platform, tt.wantPlatform)
			}
			if want := srv.URL + tt.wantEndpoint; got.Endpoint != want {
				t.Errorf("Endpoint = %q, want %q", got.Endpoint, want)
			}
			if tt.wantName != "" && !strings.Contains(got.PageName, tt.wantName) {
				t.Errorf("PageName = %q, want it to contain %q", got.PageName, tt.wantName)
			}
			if got.State != tt.wantState {
				t.Errorf("State = %v, want %v", got.State, tt.wantState)
			}
			if got.URL != srv.URL {
				t.Errorf("URL = %q, want %q", got.URL, srv.URL)
			}
		})
	}
}

func TestDetectTraps(t *testing.T) {
	summary := fixture(t, "statuspage/testdata/operational.json")
	tests := []struct {
		name     string
		site     site
		wantKind detect.ErrorKind
		wantText string // part of the error's text
		check    func(t *testing.T, e *detect.Error)
	}{
		{
			name:     "catch-all web page for every path",
			site:     site{fallback: &route{status: 200, ctype: "text/html", body: catchAllHTML}},
			wantKind: detect.ErrNotFound,
			wantText: "(it answers the same web page for every address); watch the site with probe: instead",
			check: func(t *testing.T, e *detect.Error) {
				if !e.CatchAll || !e.SuggestProbe() {
					t.Errorf("CatchAll = %v, SuggestProbe = %v, want both", e.CatchAll, e.SuggestProbe())
				}
			},
		},
		{
			name:     "the same Statuspage JSON for every path",
			site:     site{fallback: &route{status: 200, ctype: "application/json", body: summary}},
			wantKind: detect.ErrNotFound,
			wantText: "same web page for every address",
		},
		{
			name: "the same Statuspage JSON for every path under /api/v2/",
			site: site{routes: map[string]route{
				"/api/v2/*": jsonRoute(summary),
			}},
			wantKind: detect.ErrNotFound,
		},
		{
			name: "HTML on the .json path",
			site: site{routes: map[string]route{
				"/api/v2/summary.json": {status: 200, ctype: "application/json", body: "\n\n<!DOCTYPE html><html><body>Status</body></html>"},
				"/summary.json":        {status: 200, ctype: "text/html", body: "<html><body>Status</body></html>"},
				"/index.json":          {status: 200, ctype: "text/html", body: "<html><body>Status</body></html>"},
			}},
			wantKind: detect.ErrNotFound,
			wantText: "no status page Paywatch can read was found at http://127.0.0.1:",
		},
		{
			name: "inactive Statuspage page",
			site: site{routes: map[string]route{
				"/":                    {status: http.StatusFound, location: "/inactive"},
				"/inactive":            {status: 200, ctype: "text/html", body: "<html><body>This page is inactive</body></html>"},
				"/api/v2/summary.json": {status: 401, ctype: "application/json", body: `{"error":"Your page is inactive. Please contact the page owner."}`},
				"/history.atom":        {status: http.StatusFound, location: "/inactive"},
			}},
			wantKind: detect.ErrInactive,
			wantText: "its owner has switched off",
		},
		{
			name: "Statuspage of another company",
			site: site{routes: map[string]route{
				"/api/v2/summary.json": jsonRoute(strings.Replace(summary, "http://{{host}}", "https://status.othercorp.example", 1)),
				"/history.atom":        {status: 200, ctype: "application/atom+xml", body: fixture(t, "feed/testdata/history_operational.atom")},
			}},
			wantKind: detect.ErrForeign,
			wantText: `it says it is "Acme Payments" at https://status.othercorp.example`,
		},
		{
			name:     "server errors everywhere",
			site:     site{fallback: &route{status: 503, ctype: "text/plain", body: "upstream unavailable"}},
			wantKind: detect.ErrNotFound,
			wantText: "try again later",
			check: func(t *testing.T, e *detect.Error) {
				if !e.Temporary() {
					t.Error("Temporary() = false, want true: the site may recover")
				}
			},
		},
		{
			name:     "asked to slow down",
			site:     site{fallback: &route{status: 429, ctype: "text/plain", body: "slow down"}},
			wantKind: detect.ErrUnreachable,
			wantText: "asked us to slow down (HTTP 429)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, n := serve(t, tt.site)
			r, err := detect.Detect(context.Background(), newFetcher(), srv.URL, candidates())
			var e *detect.Error
			if !errors.As(err, &e) {
				t.Fatalf("Detect = %+v, %v; want a *detect.Error", r, err)
			}
			if e.Kind != tt.wantKind {
				t.Errorf("Kind = %v, want %v (error %q)", e.Kind, tt.wantKind, err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error = %q, want it to contain %q", err, tt.wantText)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is more than one line", err)
			}
			if got := n.Load(); got > 20 {
				t.Errorf("detection made %d requests, want at most 20", got)
			}
			if tt.check != nil {
				tt.check(t, e)
			}
		})
	}
}

func TestDetectBadAddresses(t *testing.T) {
	for _, raw := range []string{"", "   ", "https://", "https:///status", "ftp://status.example.com", "https://user:secret@status.example.com", "http://[::1"} {
		t.Run(raw, func(t *testing.T) {
			_, err := detect.Detect(context.Background(), newFetcher(), raw, candidates())
			var e *detect.Error
			if !errors.As(err, &e) || e.Kind != detect.ErrBadURL {
				t.Fatalf("Detect(%q) error = %v, want ErrBadURL", raw, err)
			}
			if e.SuggestProbe() {
				t.Error("SuggestProbe() = true for a bad address")
			}
		})
	}
}

func TestDetectUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	_, err := detect.Detect(context.Background(), newFetcher(), addr, candidates())
	var e *detect.Error
	if !errors.As(err, &e) || e.Kind != detect.ErrUnreachable || !e.Temporary() {
		t.Fatalf("Detect on a closed port: %v, want a temporary ErrUnreachable", err)
	}
	if want := "the server refused the connection"; !strings.Contains(err.Error(), want) {
		t.Errorf("error = %q, want it to contain %q", err, want)
	}
}

func TestDetectHonoursDeadline(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := detect.Detect(ctx, newFetcher(), srv.URL, candidates())
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Detect took %s after its context's deadline, want it to stop promptly", took)
	}
	var e *detect.Error
	if !errors.As(err, &e) || e.Kind != detect.ErrUnreachable {
		t.Fatalf("error = %v, want ErrUnreachable", err)
	}
}

// rewrite sends every request to one local server, keeping the Host header, so that well-known
// host names can be served on 127.0.0.1.
type rewrite struct{ target *url.URL }

func (rw rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	c := r.Clone(r.Context())
	c.Host = c.URL.Host
	c.URL.Scheme, c.URL.Host = rw.target.Scheme, rw.target.Host
	resp, err := http.DefaultTransport.RoundTrip(c)
	if resp != nil {
		resp.Request = r // as a real transport answers: for the address asked
	}
	return resp, err
}

// hosts serves several named hosts from one local server: routes are keyed "host/path".
func hosts(t *testing.T, routes map[string]route) *monitor.Fetcher {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt, ok := routes[r.Host+r.URL.Path]
		if !ok {
			rt, ok = routes[r.Host+"/*"]
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", rt.ctype)
		if rt.location != "" {
			w.Header().Set("Location", rt.location)
		}
		w.WriteHeader(rt.status)
		io.WriteString(w, rt.body)
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return monitor.NewFetcher(monitor.FetcherOptions{Timeout: 5 * time.Second, Transport: rewrite{u}})
}

func TestDetectWellKnownHosts(t *testing.T) {
	read := func(rel string) string {
		b, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	const statusioID = "5b36dc6502d06804c08349f7"
	f := hosts(t, map[string]route{
		"status.stripe.com/current":                        jsonRoute(read("stripe/testdata/degraded.json")),
		"slack-status.com/api/v2.0.0/current":              jsonRoute(read("slack/testdata/operational.json")),
		"status.cloud.google.com/incidents.json":           jsonRoute(read("gcp/testdata/operational.json")),
		"api.status.io/1.0/status/" + statusioID:           jsonRoute(read("statusio/testdata/operational.json")),
		"api.sorryapp.com/v1/pages/9f3a1c2e":               jsonRoute(read("sorry/testdata/operational.json")),
		"statuspal.io/api/v2/status_pages/acmepay/summary": jsonRoute(read("statuspal/testdata/operational.json")),
		"status.acme-gitlab.example/":                      {status: 200, ctype: "text/html", body: `<html><head><script src="https://cdn.status.io/x.js"></script></head><body data-page="` + statusioID + `">Powered by status.io</body></html>`},
		"q7lfz2k0ab3x.statuspage.io/api/v2/summary.json":   jsonRoute(read("statuspage/testdata/operational.json")),
		"acmepay.statuspage.io/api/v2/summary.json":        jsonRoute(read("statuspage/testdata/operational.json")),
		"paypal.statuspage.io/api/v2/summary.json":         jsonRoute(read("statuspage/testdata/operational.json")),
		"unclaimed.statuspage.io/*":                        {status: 200, ctype: "text/html", body: "<!DOCTYPE html><html><body>Atlassian Statuspage: create your page</body></html>"},
		"www.acmepay.example/api/v2/summary.json":          jsonRoute(read("statuspage/testdata/operational.json")),
		"status.stripe.com/*":                              {status: 200, ctype: "text/html", body: catchAllHTML},
		// A renamed page: the old address sends its API on to the new one.
		"status.acme-old.example/api/v2/summary.json": {status: http.StatusMovedPermanently, location: "https://status.acmepay.example/api/v2/summary.json"},
		// A site that sends its status address on to a page that is not its own.
		"status.mimic.example/api/v2/summary.json":   {status: http.StatusFound, location: "https://paypal.statuspage.io/api/v2/summary.json"},
		"status.acmepay.example/api/v2/summary.json": jsonRoute(read("statuspage/testdata/operational.json")),
		// The same page behind a byte-order mark, which encoding/json refuses by itself.
		"api.acmepay.example/api/v2/summary.json": jsonRoute("\xef\xbb\xbf" + read("statuspage/testdata/operational.json")),
	})
	tests := []struct {
		url          string
		wantPlatform string
		wantEndpoint string
		wantKind     detect.ErrorKind // when an error is wanted
	}{
		{url: "status.stripe.com", wantPlatform: "stripe", wantEndpoint: "https://status.stripe.com/current"},
		{url: "https://slack-status.com/", wantPlatform: "slack", wantEndpoint: "https://slack-status.com/api/v2.0.0/current"},
		{url: "status.cloud.google.com", wantPlatform: "gcp", wantEndpoint: "https://status.cloud.google.com/incidents.json"},
		{url: "https://api.status.io/1.0/status/" + statusioID, wantPlatform: "statusio", wantEndpoint: "https://api.status.io/1.0/status/" + statusioID},
		{url: "api.sorryapp.com/v1/pages/9f3a1c2e/components", wantPlatform: "sorry", wantEndpoint: "https://api.sorryapp.com/v1/pages/9f3a1c2e"},
		{url: "acmepay.statuspal.io", wantPlatform: "statuspal", wantEndpoint: "https://statuspal.io/api/v2/status_pages/acmepay/summary"},
		// A status.io page on its own domain gives its page id away in its source.
		{url: "status.acme-gitlab.example", wantPlatform: "statusio", wantEndpoint: "https://api.status.io/1.0/status/" + statusioID},
		// Statuspage's page-id address serves the page whatever its own domain.
		{url: "q7lfz2k0ab3x.statuspage.io", wantPlatform: "statuspage", wantEndpoint: "https://q7lfz2k0ab3x.statuspage.io/api/v2/summary.json"},
		// A hosted address whose customer name is the page's own domain.
		{url: "acmepay.statuspage.io", wantPlatform: "statuspage", wantEndpoint: "https://acmepay.statuspage.io/api/v2/summary.json"},
		// A sibling of the page's own host.
		{url: "www.acmepay.example", wantPlatform: "statuspage", wantEndpoint: "https://www.acmepay.example/api/v2/summary.json"},
		// Someone else's page on a hosted address.
		{url: "paypal.statuspage.io", wantKind: detect.ErrForeign},
		// An address that redirects to the page's own address is that page, polled where it lives.
		{url: "status.acme-old.example", wantPlatform: "statuspage", wantEndpoint: "https://status.acmepay.example/api/v2/summary.json"},
		{url: "api.acmepay.example", wantPlatform: "statuspage", wantEndpoint: "https://api.acmepay.example/api/v2/summary.json"},
		// A redirect to a page that belongs neither to the address asked nor to where it led.
		{url: "status.mimic.example", wantKind: detect.ErrForeign},
		{url: "unclaimed.statuspage.io", wantKind: detect.ErrNotFound},
		{url: "api.status.io", wantKind: detect.ErrBadURL},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := detect.Detect(context.Background(), f, tt.url, candidates())
			if tt.wantPlatform == "" {
				var e *detect.Error
				if !errors.As(err, &e) || e.Kind != tt.wantKind {
					t.Fatalf("Detect = %+v, %v; want error kind %v", got, err, tt.wantKind)
				}
				return
			}
			if err != nil {
				t.Fatalf("Detect: %v", err)
			}
			if got.Platform != tt.wantPlatform || got.Endpoint != tt.wantEndpoint {
				t.Errorf("Detect = %s at %s, want %s at %s", got.Platform, got.Endpoint, tt.wantPlatform, tt.wantEndpoint)
			}
			if got.State == monitor.StateUnknown {
				t.Errorf("State = unknown, want the page's state")
			}
		})
	}
}

func TestDetectWellKnownUnreadable(t *testing.T) {
	f := hosts(t, map[string]route{"status.stripe.com/*": {status: 200, ctype: "text/html", body: catchAllHTML}})
	_, err := detect.Detect(context.Background(), f, "status.stripe.com", candidates())
	var e *detect.Error
	if !errors.As(err, &e) || e.Kind != detect.ErrUnreadable || e.Platform != "stripe" {
		t.Fatalf("error = %v, want ErrUnreadable for stripe", err)
	}
	if want := "Paywatch knows https://status.stripe.com as Stripe's status API, but its status data could not be read: the status page returned a web page instead of status data"; err.Error() != want {
		t.Errorf("error = %q\nwant    %q", err, want)
	}
}

func TestWellKnown(t *testing.T) {
	tests := []struct {
		url, platform, endpoint string
		wantErr                 bool
	}{
		{url: "status.stripe.com", platform: "stripe", endpoint: "https://status.stripe.com/current"},
		{url: "https://status.stripe.com/current", platform: "stripe", endpoint: "https://status.stripe.com/current"},
		{url: "slack-status.com", platform: "slack", endpoint: "https://slack-status.com/api/v2.0.0/current"},
		{url: "https://www.slack-status.com", platform: "slack", endpoint: "https://www.slack-status.com/api/v2.0.0/current"},
		{url: "status.cloud.google.com/", platform: "gcp", endpoint: "https://status.cloud.google.com/incidents.json"},
		{url: "https://www.google.com/appsstatus/dashboard/", platform: "gcp", endpoint: "https://www.google.com/appsstatus/dashboard/incidents.json"},
		{url: "https://api.status.io/1.0/status/5B36DC6502D06804C08349F7", platform: "statusio", endpoint: "https://api.status.io/1.0/status/5b36dc6502d06804c08349f7"},
		{url: "api.status.io", wantErr: true},
		{url: "https://api.sorryapp.com/v1/pages/946f5b28/notices", platform: "sorry", endpoint: "https://api.sorryapp.com/v1/pages/946f5b28"},
		{url: "api.sorryapp.com", wantErr: true},
		{url: "acme.statuspal.io", platform: "statuspal", endpoint: "https://statuspal.io/api/v2/status_pages/acme/summary"},
		{url: "acme.statuspal.eu", platform: "statuspal", endpoint: "https://statuspal.eu/api/v2/status_pages/acme/summary"},
		{url: "https://statuspal.io/api/v2/status_pages/acme/summary", platform: "statuspal", endpoint: "https://statuspal.io/api/v2/status_pages/acme/summary"},
		{url: "statuspal.io", wantErr: true},
		{url: "status.coinbase.com"},
		{url: "www.google.com"},
		{url: "stripe.com"},
		{url: "status.stripe.com.evil.example"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			p, ep, ok, err := detect.WellKnown(tt.url, candidates())
			if (err != nil) != tt.wantErr {
				t.Fatalf("WellKnown error = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if ok != (tt.platform != "") || p != tt.platform || ep != tt.endpoint {
				t.Errorf("WellKnown = %q, %q, %v; want %q, %q", p, ep, ok, tt.platform, tt.endpoint)
			}
		})
	}
}
