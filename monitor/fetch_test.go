package monitor

import (
	"compress/gzip"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// The error cases of the fetcher are in hostile_test.go; these are the polite-client habits.

// seenRequest is what a test server saw of one request.
type seenRequest struct {
	ifNoneMatch, ifModifiedSince, userAgent, accept, acceptEncoding, cookie, authorization string
}

type recordingServer struct {
	*httptest.Server
	mu   sync.Mutex
	seen []seenRequest
}

func newRecordingServer(t *testing.T, h http.HandlerFunc) *recordingServer {
	t.Helper()
	rs := &recordingServer{}
	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.mu.Lock()
		rs.seen = append(rs.seen, seenRequest{
			ifNoneMatch: r.Header.Get("If-None-Match"), ifModifiedSince: r.Header.Get("If-Modified-Since"),
			userAgent: r.Header.Get("User-Agent"), accept: r.Header.Get("Accept"), acceptEncoding: r.Header.Get("Accept-Encoding"),
			cookie: r.Header.Get("Cookie"), authorization: r.Header.Get("Authorization"),
		})
		rs.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(rs.Close)
	return rs
}

func (rs *recordingServer) requests() []seenRequest {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]seenRequest(nil), rs.seen...)
}

func testFetcher(t *testing.T, ua string) *Fetcher {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return NewFetcher(FetcherOptions{Transport: tr, Timeout: 5 * time.Second, UserAgent: ua})
}

const lastModified = "Tue, 10 Mar 2026 09:00:00 GMT"

func TestGetJSONConditional(t *testing.T) {
	tests := []struct {
		name         string
		etag, lm     string
		wantINM      string
		wantIMS      string
		wantNotModif bool
	}{
		{name: "ETag", etag: `W/"abc123"`, wantINM: `W/"abc123"`, wantNotModif: true},
		{name: "Last-Modified", lm: lastModified, wantIMS: lastModified, wantNotModif: true},
		{name: "both", etag: `"v7"`, lm: lastModified, wantINM: `"v7"`, wantIMS: lastModified, wantNotModif: true},
		{name: "no validators", wantNotModif: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"page":{"id":"q7lfz2k0ab3x","name":"Acme"},"status":{"indicator":"minor"}}`
			srv := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.etag != "" {
					w.Header().Set("ETag", tt.etag)
				}
				if tt.lm != "" {
					w.Header().Set("Last-Modified", tt.lm)
				}
				if (tt.etag != "" && r.Header.Get("If-None-Match") == tt.etag) || (tt.lm != "" && r.Header.Get("If-Modified-Since") == tt.lm) {
					w.WriteHeader(http.StatusNotModified)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(body))
			})
			f := testFetcher(t, "Paywatch test")
			url := srv.URL + "/api/v2/summary.json"
			first, err := f.GetJSON(context.Background(), url)
			if err != nil {
				t.Fatalf("first GetJSON: %v", err)
			}
			if first.NotModified || string(first.Body) != body || first.StatusCode != http.StatusOK {
				t.Fatalf("first answer: %d, NotModified %v, body %q", first.StatusCode, first.NotModified, first.Body)
			}
			second, err := f.GetJSON(context.Background(), url)
			if err != nil {
				t.Fatalf("second GetJSON: %v", err)
			}
			if second.NotModified != tt.wantNotModif {
				t.Errorf("second NotModified = %v, want %v", second.NotModified, tt.wantNotModif)
			}
			if string(second.Body) != body {
				t.Errorf("second body = %q, want the cached %q", second.Body, body)
			}
			reqs := srv.requests()
			if len(reqs) != 2 {
				t.Fatalf("server saw %d requests, want 2", len(reqs))
			}
			if reqs[0].ifNoneMatch != "" || reqs[0].ifModifiedSince != "" {
				t.Errorf("first request was conditional: %+v", reqs[0])
			}
			if reqs[1].ifNoneMatch != tt.wantINM || reqs[1].ifModifiedSince != tt.wantIMS {
				t.Errorf("second request If-None-Match %q, If-Modified-Since %q; want %q, %q", reqs[1].ifNoneMatch, reqs[1].ifModifiedSince, tt.wantINM, tt.wantIMS)
			}
			if reqs[1].accept != "application/json" {
				t.Errorf("Accept = %q, want application/json", reqs[1].accept)
			}
		})
	}
}

func TestConditionalCacheFollowsChanges(t *testing.T) {
	var mu sync.Mutex
	version := 1
	srv := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		v := version
		mu.Unlock()
		tag := `"v` + string(rune('0'+v)) + `"`
		w.Header().Set("ETag", tag)
		if r.Header.Get("If-None-Match") == tag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write([]byte(`{"v":` + string(rune('0'+v)) + `}`))
	})
	f := testFetcher(t, "Paywatch test")
	steps := []struct {
		bump         bool
		wantBody     string
		wantNotModif bool
	}{
		{false, `{"v":1}`, false},
		{false, `{"v":1}`, true},
		{true, `{"v":2}`, false},
		{false, `{"v":2}`, true},
	}
	for i, st := range steps {
		if st.bump {
			mu.Lock()
			version++
			mu.Unlock()
		}
		r, err := f.GetJSON(context.Background(), srv.URL)
		if err != nil {
			t.Fatalf("step %d: %v", i+1, err)
		}
		if string(r.Body) != st.wantBody || r.NotModified != st.wantNotModif {
			t.Errorf("step %d: body %s, NotModified %v; want %s, %v", i+1, r.Body, r.NotModified, st.wantBody, st.wantNotModif)
		}
	}
}

func TestDoWithoutConditional(t *testing.T) {
	srv := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		w.Write([]byte("<html>ok</html>"))
	})
	f := testFetcher(t, "Paywatch test")
	for range 2 {
		if _, err := f.Do(context.Background(), Request{URL: srv.URL}); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range srv.requests() {
		if r.ifNoneMatch != "" || r.ifModifiedSince != "" {
			t.Errorf("request %d was conditional (%+v); probes must see the real page", i+1, r)
		}
	}
}

// TestFinalURL: a response says where it came from after redirects, so detection can tell a
// renamed page from someone else's.
func TestFinalURL(t *testing.T) {
	srv := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusMovedPermanently)
			return
		}
		w.Write([]byte("{}"))
	})
	f := testFetcher(t, "Paywatch test")
	for _, tt := range []struct{ path, want string }{{"/old", "/new"}, {"/new", "/new"}} {
		resp, err := f.Do(context.Background(), Request{URL: srv.URL + tt.path})
		if err != nil {
			t.Fatal(err)
		}
		if resp.URL != srv.URL+tt.path || resp.FinalURL != srv.URL+tt.want {
			t.Errorf("GET %s: URL %q, FinalURL %q; want %q, %q", tt.path, resp.URL, resp.FinalURL, srv.URL+tt.path, srv.URL+tt.want)
		}
	}
}

func TestUserAgent(t *testing.T) {
	tests := []struct{ name, ua, want string }{
		{"given", "Paywatch/1.2.3 (+https://github.com/paywatch/paywatch; status monitor)", "Paywatch/1.2.3 (+https://github.com/paywatch/paywatch; status monitor)"},
		{"default", "", "Paywatch (status monitor)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{}`)) })
			f := testFetcher(t, tt.ua)
			if got := f.UserAgent(); got != tt.want {
				t.Errorf("UserAgent() = %q, want %q", got, tt.want)
			}
			if _, err := f.GetJSON(context.Background(), srv.URL); err != nil {
				t.Fatal(err)
			}
			if got := srv.requests()[0].userAgent; got != tt.want {
				t.Errorf("sent User-Agent %q, want %q", got, tt.want)
			}
		})
	}
}

func TestGzip(t *testing.T) {
	body := `{"page":{"id":"q7lfz2k0ab3x","name":"Acme"},"components":[` + strings.Repeat(`{"name":"Card payments","status":"operational"},`, 100) + `{}]}`
	srv := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			w.Write([]byte(body))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		zw.Write([]byte(body))
		zw.Close()
	})
	r, err := testFetcher(t, "Paywatch test").GetJSON(context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.requests()[0].acceptEncoding; got != "gzip" {
		t.Errorf("Accept-Encoding = %q, want gzip", got)
	}
	if string(r.Body) != body {
		t.Errorf("body = %.60q…, want the decoded JSON", r.Body)
	}
}

func TestNoCookiesOrCredentials(t *testing.T) {
	srv := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "__cf_bm", Value: "tracking", Path: "/"})
		if r.URL.Path == "/start" {
			http.Redirect(w, r, "/api/v2/summary.json", http.StatusFound)
			return
		}
		w.Write([]byte(`{}`))
	})
	f := testFetcher(t, "Paywatch test")
	for _, path := range []string{"/api/v2/summary.json", "/api/v2/summary.json", "/start"} {
		if _, err := f.GetJSON(context.Background(), srv.URL+path); err != nil {
			t.Fatal(err)
		}
	}
	withUser := strings.Replace(srv.URL, "http://", "http://alice:hunter2@", 1)
	if _, err := f.Do(context.Background(), Request{URL: withUser + "/"}); err != nil {
		t.Fatal(err)
	}
	reqs := srv.requests()
	if len(reqs) != 5 {
		t.Fatalf("server saw %d requests, want 5", len(reqs))
	}
	for i, r := range reqs {
		if r.cookie != "" || r.authorization != "" {
			t.Errorf("request %d sent Cookie %q, Authorization %q; want neither", i+1, r.cookie, r.authorization)
		}
	}
}

func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"120", 2 * time.Minute},
		{" 0 ", 0},
		{"-5", 0},
		{"soon", 0},
		{"Tue, 10 Mar 2026 09:05:00 GMT", 5 * time.Minute},
		{"Tue, 10 Mar 2026 08:55:00 GMT", 0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := retryAfter(tt.in, now); got != tt.want {
				t.Errorf("retryAfter(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
