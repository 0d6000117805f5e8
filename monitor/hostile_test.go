package monitor_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// TestGetJSONHostile feeds Fetcher.GetJSON the answers status pages really give when something is
// wrong and checks the one-line reason a person would read. Truncated JSON is a parser's problem,
// so here it must pass.
func TestGetJSONHostile(t *testing.T) {
	bigJSON := `{"data":"` + strings.Repeat("x", 4096) + `"}`
	tests := []struct {
		name    string
		handler http.HandlerFunc
		tls     bool          // serve over TLS with a certificate the client does not trust
		maxBody int64         // FetcherOptions.MaxBody; 0 for the default
		timeout time.Duration // FetcherOptions.Timeout; 0 for 5 s
		// wantReason is the exact reason; "" means the fetch must succeed.
		wantReason     string
		wantRetryAfter time.Duration
		maxDuration    time.Duration // the fetch must end within this; 0 for 3 s
	}{
		{
			name:    "truncated JSON passes the fetcher",
			handler: reply(200, "application/json", `{"page":{"id":"abc","name":"Ex`),
		},
		{
			// Servers label JSON files carelessly; an imprecise label is no reason to give up.
			name:    "plain-text content type on valid JSON passes",
			handler: reply(200, "text/plain; charset=iso-8859-1", `{"status":{"indicator":"none"}}`),
		},
		{
			name:       "wrong content type: an image",
			handler:    reply(200, "image/png", `{"status":{"indicator":"none"}}`),
			wantReason: "the status page's answer could not be read: it sent a file (image/png), not status data",
		},
		{
			name:       "wrong content type: a web page that starts like JSON",
			handler:    reply(200, "text/html; charset=utf-8", `[if IE]><p>Please upgrade your browser</p>`),
			wantReason: "the status page returned a web page instead of status data",
		},
		{
			name:       "body far over the size cap",
			handler:    reply(200, "application/json", bigJSON),
			maxBody:    1024,
			wantReason: "the status page sent more data than expected (over 1 KB)",
		},
		{
			name:       "invalid UTF-8",
			handler:    reply(200, "application/json", "{\"name\":\"caf\xe9 \xff\xfe\"}"),
			wantReason: "the status page's answer could not be read: it is not valid text",
		},
		{
			name:       "HTML with 200",
			handler:    reply(200, "text/html; charset=utf-8", "<!DOCTYPE html>\n<html><body>Welcome</body></html>"),
			wantReason: "the status page returned a web page instead of status data",
		},
		{
			name:       "HTML after a byte-order mark and blank lines",
			handler:    reply(200, "application/json", "\xef\xbb\xbf\r\n\n  <html><body>Not found</body></html>"),
			wantReason: "the status page returned a web page instead of status data",
		},
		{
			name: "redirect loop",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, r.URL.Path+"x", http.StatusFound)
			},
			wantReason: "the page kept redirecting",
		},
		{
			name: "redirect to a non-HTTP scheme",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", "ftp://files.example.com/status.json")
				w.WriteHeader(http.StatusMovedPermanently)
			},
			wantReason: "the page redirected to an address that is not a web page",
		},
		{
			name: "429 with Retry-After",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "90")
				w.WriteHeader(http.StatusTooManyRequests)
			},
			wantReason:     "the status page asked us to slow down (HTTP 429)",
			wantRetryAfter: 90 * time.Second,
		},
		{
			name:       "HTTP 500",
			handler:    reply(500, "text/html", "<h1>Internal Server Error</h1>"),
			wantReason: "the status page's server had an error (HTTP 500)",
		},
		{
			name:       "HTTP 502",
			handler:    reply(502, "text/html", "<h1>Bad Gateway</h1>"),
			wantReason: "the status page's server had an error (HTTP 502)",
		},
		{
			name:       "HTTP 503",
			handler:    reply(503, "application/json", `{"error":"maintenance"}`),
			wantReason: "the status page's server had an error (HTTP 503)",
		},
		{
			name:       "certificate that does not verify",
			handler:    reply(200, "application/json", `{}`),
			tls:        true,
			wantReason: "the site's security certificate could not be verified",
		},
		{
			name: "one byte a second",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fl := w.(http.Flusher)
				for _, b := range []byte(`{"page":{"name":"slow"}}`) {
					w.Write([]byte{b})
					fl.Flush()
					select {
					case <-r.Context().Done():
						return
					case <-time.After(time.Second):
					}
				}
			},
			timeout:     time.Second,
			wantReason:  "timed out after 1 s",
			maxDuration: 3 * time.Second,
		},
		{
			name:       "empty body",
			handler:    reply(200, "application/json", ""),
			wantReason: "the status page returned an empty answer",
		},
		{
			name:       "whitespace only",
			handler:    reply(200, "application/json", " \r\n\t "),
			wantReason: "the status page returned an empty answer",
		},
		{
			name:       "JSON null",
			handler:    reply(200, "application/json", "null"),
			wantReason: "the status page's answer could not be read: it was empty (null)",
		},
		{
			name:       "garbage after the JSON document",
			handler:    reply(200, "application/json", `{"status":{"indicator":"none"}}<script>alert(1)</script>`),
			wantReason: "the status page's answer could not be read: it has more data after the end of the JSON document",
		},
		{
			name:       "a second JSON document after the first",
			handler:    reply(200, "application/json", `{"status":{"indicator":"none"}} {"status":{"indicator":"critical"}}`),
			wantReason: "the status page's answer could not be read: it has more data after the end of the JSON document",
		},
		{
			name: "20 MB of headers",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Padding", strings.Repeat("a", 20<<20))
				w.Write([]byte(`{}`))
			},
			wantReason: "the server's answer had headers too large to read",
		},
		{
			name: "a body cut short",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", "1000")
				w.Write([]byte(`{"status":`))
			},
			wantReason: "the answer was cut short: the connection closed before all of it arrived",
		},
		{
			name:       "a bare JSON string",
			handler:    reply(200, "application/json", `"ok"`),
			wantReason: "the status page's answer could not be read: it is not JSON",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			var srv *httptest.Server
			var tr *http.Transport
			opts := monitor.FetcherOptions{MaxBody: tt.maxBody, Timeout: tt.timeout}
			if opts.Timeout == 0 {
				opts.Timeout = 5 * time.Second
			}
			if tt.tls {
				// The fetcher's own default transport: the test server's certificate is not trusted.
				srv = httptest.NewUnstartedServer(tt.handler)
				srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake failure is expected
				srv.StartTLS()
			} else {
				srv = httptest.NewServer(tt.handler)
				tr = &http.Transport{Proxy: nil}
				opts.Transport = tr
			}
			f := monitor.NewFetcher(opts)

			start := time.Now()
			resp, err := f.GetJSON(context.Background(), srv.URL+"/api/v2/summary.json")
			took := time.Since(start)

			if tr != nil {
				tr.CloseIdleConnections()
			}
			srv.Close()

			limit := tt.maxDuration
			if limit == 0 {
				limit = 3 * time.Second
			}
			if took > limit {
				t.Errorf("GetJSON took %v, want under %v", took, limit)
			}
			if tt.wantReason == "" {
				if err != nil {
					t.Fatalf("GetJSON: %v (reason %q), want success", err, monitor.Reason(err))
				}
				if len(resp.Body) == 0 {
					t.Errorf("GetJSON returned an empty body")
				}
			} else {
				if err == nil {
					t.Fatalf("GetJSON returned %d bytes and no error, want %q", len(resp.Body), tt.wantReason)
				}
				if resp != nil {
					t.Errorf("GetJSON returned a response with its error")
				}
				if got := monitor.Reason(err); got != tt.wantReason {
					t.Errorf("Reason = %q, want %q (error %v)", got, tt.wantReason, err)
				}
			}
			if tt.wantRetryAfter > 0 {
				var he *monitor.HTTPError
				if !errors.As(err, &he) {
					t.Fatalf("error %v is not an *HTTPError", err)
				}
				if he.RetryAfter != tt.wantRetryAfter {
					t.Errorf("RetryAfter = %v, want %v", he.RetryAfter, tt.wantRetryAfter)
				}
			}
			waitGoroutines(t, before)
		})
	}
}

// TestCheckJSONBodyDetail pins the words CheckJSONBody itself chooses, which GetJSON should pass on.
func TestCheckJSONBodyDetail(t *testing.T) {
	tests := []struct {
		body, want string
	}{
		{"null", "the status page's answer could not be read: it was empty (null)"},
		{"{\"a\":\"\xff\"}", "the status page's answer could not be read: it is not valid text"},
		{"true", "the status page's answer could not be read: it is not JSON"},
		{"", "the status page returned an empty answer"},
		{"<html>", "the status page returned a web page instead of status data"},
	}
	for _, tt := range tests {
		err := monitor.CheckJSONBody([]byte(tt.body))
		if got := monitor.Reason(err); got != tt.want {
			t.Errorf("Reason(CheckJSONBody(%q)) = %q, want %q", tt.body, got, tt.want)
		}
	}
	if err := monitor.CheckJSONBody([]byte(` [1,2]`)); err != nil {
		t.Errorf("CheckJSONBody(array) = %v, want nil", err)
	}
}

func reply(code int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

// waitGoroutines fails t if the goroutine count does not settle back to about before.
func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= before+1 {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines left, %d before:\n%s", n, before, buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
