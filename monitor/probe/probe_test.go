package probe_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/probe"
)

func TestJudge(t *testing.T) {
	outagePage := []byte("<html><body><h1>We're sorry</h1><p>This service is Temporarily Unavailable.</p></body></html>")
	maintPage := []byte("<html><body>Online banking is DOWN FOR MAINTENANCE until 6am.</body></html>")
	custom := []probe.Rule{{Contains: "Sign-in is paused", State: monitor.StateDegraded}}
	tests := []struct {
		name        string
		opt         probe.Options
		code        int
		latency     time.Duration
		body        []byte
		wantState   monitor.State
		wantVerdict string
		wantReason  string
	}{
		{name: "200 is reachable", code: 200, latency: 300 * time.Millisecond,
			wantState: monitor.StateOperational, wantVerdict: "reachable", wantReason: "answered in 0.3 s"},
		{name: "304 counts as 2xx/3xx", code: 304, latency: time.Second,
			wantState: monitor.StateOperational, wantVerdict: "reachable", wantReason: "answered in 1.0 s"},
		{name: "expected code listed", opt: probe.Options{Expect: []int{404}}, code: 404, latency: time.Second,
			wantState: monitor.StateOperational, wantVerdict: "reachable", wantReason: "answered in 1.0 s"},
		{name: "200 not in the expected list", opt: probe.Options{Expect: []int{204}}, code: 200, latency: time.Second,
			wantState: monitor.StateUnknown, wantVerdict: "unexpected answer",
			wantReason: "the site gave an unexpected answer (HTTP 200); the probe address may be wrong"},
		{name: "slow over the default 5 s", code: 200, latency: 6500 * time.Millisecond,
			wantState: monitor.StateDegraded, wantVerdict: "slow", wantReason: "answered, but slowly (6.5 s)"},
		{name: "exactly at the limit is not slow", code: 200, latency: 5 * time.Second,
			wantState: monitor.StateOperational, wantVerdict: "reachable", wantReason: "answered in 5.0 s"},
		{name: "slow over a custom limit", opt: probe.Options{Slow: time.Second}, code: 200, latency: 1500 * time.Millisecond,
			wantState: monitor.StateDegraded, wantVerdict: "slow", wantReason: "answered, but slowly (1.5 s)"},
		{name: "429 rate limited is reachable", code: 429, latency: time.Second,
			wantState: monitor.StateOperational, wantVerdict: "reachable", wantReason: "answered (it limits automated checks, HTTP 429)"},
		{name: "403 bot wall is reachable", code: 403, latency: time.Second,
			wantState: monitor.StateOperational, wantVerdict: "reachable", wantReason: "answered (it limits automated checks, HTTP 403)"},
		{name: "401 is reachable", code: 401, latency: time.Second,
			wantState: monitor.StateOperational, wantVerdict: "reachable", wantReason: "answered (it limits automated checks, HTTP 401)"},
		{name: "500 failing", code: 500, latency: time.Second,
			wantState: monitor.StateMajorOutage, wantVerdict: "failing", wantReason: "the site's server is failing (HTTP 500)"},
		{name: "503 failing", code: 503, latency: time.Second,
			wantState: monitor.StateMajorOutage, wantVerdict: "failing", wantReason: "the site's server is failing (HTTP 503)"},
		{name: "404 is unknown, not down", code: 404, latency: time.Second,
			wantState: monitor.StateUnknown, wantVerdict: "unexpected answer",
			wantReason: "the site gave an unexpected answer (HTTP 404); the probe address may be wrong"},
		{name: "outage text, any case", opt: probe.Options{Rules: probe.DefaultRules}, code: 200, latency: time.Second, body: outagePage,
			wantState: monitor.StateMajorOutage, wantVerdict: "shows an outage page", wantReason: `the page says "temporarily unavailable"`},
		{name: "maintenance text", opt: probe.Options{Rules: probe.DefaultRules}, code: 503, latency: time.Second, body: maintPage,
			wantState: monitor.StateMaintenance, wantVerdict: "shows a maintenance page", wantReason: `the page says "down for maintenance"`},
		{name: "custom rule, mixed case", opt: probe.Options{Rules: custom}, code: 200, latency: time.Second, body: []byte("<p>sign-in is PAUSED for upgrades</p>"),
			wantState: monitor.StateDegraded, wantVerdict: "shows an outage page", wantReason: `the page says "Sign-in is paused"`},
		{name: "no rules, outage text ignored", code: 200, latency: time.Second, body: outagePage,
			wantState: monitor.StateOperational, wantVerdict: "reachable", wantReason: "answered in 1.0 s"},
		{name: "empty rule never matches", opt: probe.Options{Rules: []probe.Rule{{Contains: "", State: monitor.StateMajorOutage}}}, code: 200, latency: time.Second, body: []byte("ok"),
			wantState: monitor.StateOperational, wantVerdict: "reachable", wantReason: "answered in 1.0 s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := probe.Judge(tt.opt, tt.code, tt.latency, tt.body)
			if got.State != tt.wantState || got.Verdict != tt.wantVerdict || got.Reason != tt.wantReason {
				t.Errorf("Judge = %v, %q, %q; want %v, %q, %q", got.State, got.Verdict, got.Reason, tt.wantState, tt.wantVerdict, tt.wantReason)
			}
			if got.StatusCode != tt.code || got.Latency != tt.latency {
				t.Errorf("StatusCode, Latency = %d, %v; want %d, %v", got.StatusCode, got.Latency, tt.code, tt.latency)
			}
		})
	}
}

// seen is what the test server saw of one request.
type seen struct {
	method, userAgent, authorization, cookie string
}

func newServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, func() []seen) {
	t.Helper()
	var mu sync.Mutex
	var reqs []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		reqs = append(reqs, seen{r.Method, r.Header.Get("User-Agent"), r.Header.Get("Authorization"), r.Header.Get("Cookie")})
		mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []seen {
		mu.Lock()
		defer mu.Unlock()
		return append([]seen(nil), reqs...)
	}
}

func newFetcher(t *testing.T) *monitor.Fetcher {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return monitor.NewFetcher(monitor.FetcherOptions{Transport: tr, Timeout: 5 * time.Second, UserAgent: "Paywatch/test (+probe)"})
}

func TestCheckerSendsNoCredentials(t *testing.T) {
	srv, requests := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			// A sign-in page that sets a session cookie and sends us on.
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "s3cret", Path: "/"})
			http.Redirect(w, r, "/home", http.StatusFound)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "tracking", Value: "abc", Path: "/"})
		w.Write([]byte("<html>Welcome</html>"))
	})
	c := probe.New(probe.Options{URL: srv.URL + "/"}, newFetcher(t))
	for i := range 2 {
		r, err := c.Check(context.Background())
		if err != nil {
			t.Fatalf("Check %d: %v", i+1, err)
		}
		if r.Probe == nil || r.Probe.State != monitor.StateOperational || r.Probe.StatusCode != 200 {
			t.Fatalf("Check %d: probe = %+v, want operational with HTTP 200", i+1, r.Probe)
		}
		if r.PageURL != srv.URL+"/" {
			t.Errorf("PageURL = %q, want %q", r.PageURL, srv.URL+"/")
		}
	}
	got := requests()
	if len(got) != 4 {
		t.Fatalf("server saw %d requests, want 4 (two checks, each redirected once)", len(got))
	}
	for i, r := range got {
		if r.cookie != "" {
			t.Errorf("request %d sent Cookie %q, want none", i+1, r.cookie)
		}
		if r.authorization != "" {
			t.Errorf("request %d sent Authorization %q, want none", i+1, r.authorization)
		}
		if r.userAgent != "Paywatch/test (+probe)" {
			t.Errorf("request %d User-Agent = %q, want %q", i+1, r.userAgent, "Paywatch/test (+probe)")
		}
		if r.method != http.MethodGet {
			t.Errorf("request %d method = %s, want GET", i+1, r.method)
		}
	}
}

func TestCheckerNeverSendsURLCredentials(t *testing.T) {
	srv, requests := newServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	withUser := strings.Replace(srv.URL, "http://", "http://alice:hunter2@", 1) + "/"
	_, err := probe.New(probe.Options{URL: withUser}, newFetcher(t)).Check(context.Background())
	for i, r := range requests() {
		if r.authorization != "" {
			t.Errorf("request %d sent Authorization %q, want none", i+1, r.authorization)
		}
	}
	if err == nil && len(requests()) == 0 {
		t.Error("Check succeeded without a request")
	}
}

func TestCheckerJudgesAnswers(t *testing.T) {
	tests := []struct {
		name      string
		opt       probe.Options
		handler   http.HandlerFunc
		wantState monitor.State
		wantCode  int
	}{
		{name: "server error", handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) },
			wantState: monitor.StateMajorOutage, wantCode: 502},
		{name: "rate limited", handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTooManyRequests) },
			wantState: monitor.StateOperational, wantCode: 429},
		{name: "not found", handler: http.NotFound, wantState: monitor.StateUnknown, wantCode: 404},
		{name: "outage page with 200", opt: probe.Options{Rules: probe.DefaultRules},
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte("Service Unavailable. Please try later."))
			},
			wantState: monitor.StateMajorOutage, wantCode: 200},
		{name: "HEAD cannot read text", opt: probe.Options{Method: http.MethodHead, Rules: probe.DefaultRules},
			handler:   func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("Service Unavailable")) },
			wantState: monitor.StateOperational, wantCode: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, requests := newServer(t, tt.handler)
			tt.opt.URL = srv.URL
			r, err := probe.New(tt.opt, newFetcher(t)).Check(context.Background())
			if err != nil {
				t.Fatalf("Check: %v, want a judged answer", err)
			}
			if r.Probe == nil {
				t.Fatal("Check returned no probe result")
			}
			if r.Probe.State != tt.wantState || r.Probe.StatusCode != tt.wantCode {
				t.Errorf("got %v (HTTP %d), want %v (HTTP %d)", r.Probe.State, r.Probe.StatusCode, tt.wantState, tt.wantCode)
			}
			wantMethod := tt.opt.Method
			if wantMethod == "" {
				wantMethod = http.MethodGet
			}
			if got := requests(); len(got) != 1 || got[0].method != wantMethod {
				t.Errorf("requests = %+v, want one %s", got, wantMethod)
			}
		})
	}
}

func TestCheckerConnectionFailureIsAnError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	r, err := probe.New(probe.Options{URL: url}, newFetcher(t)).Check(context.Background())
	if err == nil {
		t.Fatalf("Check = %+v, want an error (the tracker decides when failures count)", r.Probe)
	}
	if got, want := monitor.Reason(err), "the server refused the connection"; got != want {
		t.Errorf("Reason = %q, want %q", got, want)
	}
}

func TestJudgeReadsOnlyVisibleText(t *testing.T) {
	rules := []probe.Rule{{Contains: "temporarily unavailable", State: monitor.StateMajorOutage}}
	tests := []struct {
		name string
		body string
		want monitor.State
	}{
		{"in a script", `<html><script>var msg = "Service temporarily unavailable";</script><p>Welcome</p></html>`, monitor.StateOperational},
		{"in a style or comment", `<style>/* temporarily unavailable */</style><!-- temporarily unavailable --><p>Hi</p>`, monitor.StateOperational},
		{"in an attribute", `<div data-error="temporarily unavailable">Sign in</div>`, monitor.StateOperational},
		{"on the page", `<h1>Sorry</h1><p>Our site is <b>temporarily   unavailable</b>.</p>`, monitor.StateMajorOutage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := probe.Judge(probe.Options{Rules: rules}, 200, 0, []byte(tt.body))
			if got.State != tt.want {
				t.Errorf("Judge() state = %v, want %v (verdict %q)", got.State, tt.want, got.Verdict)
			}
		})
	}
}
