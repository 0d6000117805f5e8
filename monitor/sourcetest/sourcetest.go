// Package sourcetest is the contract every status source must meet: a good payload parses to the
// expected state, the report is well formed, and every kind of bad answer becomes an error with a
// readable reason — never an outage, never a half-filled report. Source packages call Contract
// from their tests with real HTTP servers on 127.0.0.1.
//
// Contract runs, each against a fresh server and checker:
//   - the good payload: no error, Rollup equals want, CheckReport's invariants hold;
//   - the same payloads with ETags, checked twice: the 304 answer gives the same state;
//   - a request left hanging, then cancelled, and a context cancelled before the check: an error
//     within 2 s;
//   - HTTP 500, 503, 429 with Retry-After: 120 (the error must carry the *monitor.HTTPError, so
//     the engine can wait), HTML with 200, an empty body, JSON null, each payload cut in half,
//     and {"foo":1} — all served on every path: an error, a one-line Reason, a zero Report;
//   - afterwards, no goroutines left beyond a small margin.
//
// The package also holds what source tests share besides the contract: Scenario for the test
// pages in testdata, Rejects and CheckParsed for bodies that must fail or may be anything (fuzz
// targets), FuzzSeeds, and SharedFixture and Corpus for the real payloads kept next to the
// repository in ../shared/fixtures, which are skipped where that folder is absent.
package sourcetest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// Timing of the suite. The fetch timeout is far above how long a cancelled check may take, so a
// checker that ignores its context cannot pass by timing out.
const (
	fetchTimeout   = 10 * time.Second
	cancelDeadline = 2 * time.Second
	settleDeadline = 5 * time.Second
	// goroutineSlack allows for runtime and testing goroutines that come and go on their own.
	goroutineSlack = 2
)

// Contract runs the shared checks against one source. newChecker builds a checker whose
// endpoint(s) live under baseURL; routes maps request paths (e.g. "/api/v2/summary.json") to
// a good payload for that source; want is the state monitor.Rollup must give for it.
func Contract(t *testing.T, newChecker func(baseURL string, f *monitor.Fetcher) monitor.Checker, routes map[string][]byte, want monitor.State) {
	t.Helper()
	if len(routes) == 0 {
		t.Fatal("sourcetest.Contract: no routes given")
	}
	start := runtime.NumGoroutine()

	t.Run("good payload", func(t *testing.T) {
		r, err := check(t, context.Background(), newChecker, serveRoutes(routes, false))
		if err != nil {
			t.Fatalf("Check: %v (reason %q), want no error", err, monitor.Reason(err))
		}
		if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != want {
			t.Errorf("Rollup = %v, want %v", got, want)
		}
		CheckReport(t, r)
	})

	t.Run("not modified", func(t *testing.T) {
		env := newEnv(t, serveRoutes(routes, true))
		c := newChecker(env.srv.URL, env.fetcher)
		first, err := c.Check(context.Background())
		if err != nil {
			t.Fatalf("first Check: %v", err)
		}
		second, err := c.Check(context.Background())
		if err != nil {
			t.Fatalf("second Check (answered 304 Not Modified): %v (reason %q)", err, monitor.Reason(err))
		}
		g1, _, _ := monitor.Rollup(first, monitor.ComponentFilter{})
		g2, _, _ := monitor.Rollup(second, monitor.ComponentFilter{})
		if g1 != g2 || g2 != want {
			t.Errorf("Rollup after 304 = %v (first %v), want %v", g2, g1, want)
		}
	})

	t.Run("cancelled while waiting", func(t *testing.T) {
		arrived := make(chan struct{}, 1)
		stop := make(chan struct{})
		env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case arrived <- struct{}{}:
			default:
			}
			select {
			case <-r.Context().Done():
			case <-stop:
			}
		}))
		// Registered after newEnv's cleanup, so it runs first and frees a blocked handler before
		// the server waits for it.
		t.Cleanup(func() { close(stop) })
		c := newChecker(env.srv.URL, env.fetcher)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		type result struct {
			r   monitor.Report
			err error
		}
		done := make(chan result, 1)
		go func() {
			r, err := c.Check(ctx)
			done <- result{r, err}
		}()
		select {
		case <-arrived:
		case res := <-done:
			t.Fatalf("Check returned before the request arrived: %v", res.err)
		case <-time.After(settleDeadline):
			t.Fatal("the checker never sent a request")
		}
		cancel()
		began := time.Now()
		select {
		case res := <-done:
			if took := time.Since(began); took > cancelDeadline {
				t.Errorf("Check took %v after cancellation, want under %v", took, cancelDeadline)
			}
			expectFailure(t, res.r, res.err)
		case <-time.After(fetchTimeout):
			t.Fatalf("Check did not return within %v of cancellation", fetchTimeout)
		}
	})

	t.Run("cancelled before start", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		r, err := check(t, ctx, newChecker, serveRoutes(routes, false))
		expectFailure(t, r, err)
	})

	for _, bad := range badAnswers(routes) {
		t.Run(bad.name, func(t *testing.T) {
			r, err := check(t, context.Background(), newChecker, bad.handler)
			expectFailure(t, r, err)
			if bad.retryAfter > 0 {
				var he *monitor.HTTPError
				if !errors.As(err, &he) {
					t.Fatalf("error %v carries no *monitor.HTTPError; the engine needs it to honour Retry-After", err)
				}
				if he.RetryAfter != bad.retryAfter {
					t.Errorf("HTTPError.RetryAfter = %v, want %v", he.RetryAfter, bad.retryAfter)
				}
			}
		})
	}

	t.Run("no goroutines left", func(t *testing.T) {
		deadline := time.Now().Add(settleDeadline)
		for {
			n := runtime.NumGoroutine()
			if n <= start+goroutineSlack {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Fatalf("%d goroutines after the suite, %d before:\n%s", n, start, buf)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// CheckReport fails t when r breaks the invariants every report must keep: components are named,
// states are on the scale, incidents have a title and a known impact, maintenances in progress
// say so in words, and component IDs (where set) are unique.
func CheckReport(t testing.TB, r monitor.Report) {
	t.Helper()
	inRange := func(s monitor.State) bool { return s >= monitor.StateUnknown && s <= monitor.StateMajorOutage }
	if !inRange(r.Indicator) {
		t.Errorf("Indicator %d is off the scale", int(r.Indicator))
	}
	ids := map[string]bool{}
	for i, c := range r.Components {
		if strings.TrimSpace(c.Name) == "" {
			t.Errorf("component %d (id %q) has no name", i, c.ID)
		}
		if !inRange(c.State) {
			t.Errorf("component %q has state %d, off the scale", c.Name, int(c.State))
		}
		if c.ID != "" {
			if ids[c.ID] {
				t.Errorf("component id %q appears twice", c.ID)
			}
			ids[c.ID] = true
		}
	}
	for i, in := range r.Incidents {
		if strings.TrimSpace(in.Title) == "" {
			t.Errorf("incident %d (id %q) has no title", i, in.ID)
		}
		if !inRange(in.Impact) || in.Impact == monitor.StateUnknown {
			t.Errorf("incident %q has impact %v, want a known state", in.Title, in.Impact)
		}
	}
	for i, in := range r.Resolved {
		if strings.TrimSpace(in.Title) == "" {
			t.Errorf("resolved incident %d (id %q) has no title", i, in.ID)
		}
		if !inRange(in.Impact) {
			t.Errorf("resolved incident %q has impact %d, off the scale", in.Title, int(in.Impact))
		}
	}
	for i, m := range r.Maintenances {
		if m.InProgress && strings.TrimSpace(m.Status) == "" {
			t.Errorf("maintenance %d (%q) is in progress but has no status", i, m.Title)
		}
	}
}

// expectFailure asserts the shape of a failed check: an error with a one-line reason and nothing
// else — a report next to an error would let a broken page leak through as a state.
func expectFailure(t *testing.T, r monitor.Report, err error) {
	t.Helper()
	if err == nil {
		s, _, _ := monitor.Rollup(r, monitor.ComponentFilter{})
		t.Fatalf("Check returned no error and a report whose state is %v; want an error", s)
	}
	reason := monitor.Reason(err)
	if strings.TrimSpace(reason) == "" {
		t.Errorf("Reason(%v) is empty", err)
	}
	if strings.ContainsAny(reason, "\r\n") {
		t.Errorf("Reason(%v) = %q spans several lines", err, reason)
	}
	if !reflect.ValueOf(r).IsZero() {
		t.Errorf("Check returned a report with its error %v: %+v", err, r)
	}
}

type badAnswer struct {
	name       string
	handler    http.Handler
	retryAfter time.Duration
}

// badAnswers lists the answers a source must turn into an error. Each is served on every path,
// so a source with several endpoints cannot get by on one good one.
func badAnswers(routes map[string][]byte) []badAnswer {
	status := func(code int, hdr map[string]string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for k, v := range hdr {
				w.Header().Set(k, v)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			fmt.Fprintf(w, `{"error":"status %d"}`, code)
		})
	}
	body := func(contentType string, b func(path string) []byte) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", contentType)
			w.Write(b(r.URL.Path))
		})
	}
	fixed := func(s string) func(string) []byte { return func(string) []byte { return []byte(s) } }
	truncated := func(path string) []byte {
		b, ok := routes[path]
		if !ok {
			// Paths a source probes beyond its routes get the first route's payload, cut too.
			for _, v := range routes {
				b = v
				break
			}
		}
		return b[:len(b)/2]
	}
	return []badAnswer{
		{name: "HTTP 500", handler: status(http.StatusInternalServerError, nil)},
		{name: "HTTP 503", handler: status(http.StatusServiceUnavailable, nil)},
		{name: "HTTP 429 with Retry-After", handler: status(http.StatusTooManyRequests, map[string]string{"Retry-After": "120"}), retryAfter: 120 * time.Second},
		{name: "HTML with 200", handler: body("text/html; charset=utf-8", fixed("<!DOCTYPE html>\n<html><head><title>Status</title></head><body><h1>All good</h1></body></html>\n"))},
		{name: "empty body", handler: body("application/json", fixed(""))},
		{name: "JSON null", handler: body("application/json", fixed("null"))},
		{name: "truncated JSON", handler: body("application/json", truncated)},
		{name: "another platform's JSON", handler: body("application/json", fixed(`{"foo":1}`))},
	}
}

// serveRoutes answers the given paths with their payloads and everything else with 404. With
// etags, each payload carries an ETag and a matching If-None-Match gets 304.
func serveRoutes(routes map[string][]byte, etags bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := routes[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if etags {
			tag := fmt.Sprintf(`W/"%x-%d"`, len(b), len(r.URL.Path))
			w.Header().Set("ETag", tag)
			if r.Header.Get("If-None-Match") == tag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(b)
	})
}

type env struct {
	srv     *httptest.Server
	fetcher *monitor.Fetcher
}

// newEnv starts a server and a fetcher with a transport of its own; cleanup closes both, so no
// connection (and no goroutine) outlives the subtest.
func newEnv(t *testing.T, h http.Handler) env {
	t.Helper()
	srv := httptest.NewServer(h)
	tr := &http.Transport{
		Proxy:                 nil,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       time.Minute,
		ResponseHeaderTimeout: fetchTimeout,
	}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
		tr.CloseIdleConnections()
	})
	f := monitor.NewFetcher(monitor.FetcherOptions{Timeout: fetchTimeout, Transport: tr, UserAgent: "Paywatch contract test"})
	return env{srv: srv, fetcher: f}
}

func check(t *testing.T, ctx context.Context, newChecker func(string, *monitor.Fetcher) monitor.Checker, h http.Handler) (monitor.Report, error) {
	t.Helper()
	e := newEnv(t, h)
	return newChecker(e.srv.URL, e.fetcher).Check(ctx)
}
