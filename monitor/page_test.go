package monitor

import (
	"errors"
	"io"
	"net/http"
	"reflect"
	"testing"
)

func TestPageChecker(t *testing.T) {
	const feedAccept = "application/atom+xml"
	tests := []struct {
		name        string
		page        Page
		ctype, body string
		parsed      Report // what Parse returns for every answer
		parseErr    error
		wantAccept  string
		wantPage    string // Report.PageURL after each check
		wantParses  int    // after two checks, the second answered 304
	}{
		{name: "page address filled in", page: Page{PageURL: "https://status.example.com"},
			ctype: "application/json", body: `{}`, wantAccept: "application/json",
			wantPage: "https://status.example.com", wantParses: 1},
		{name: "the answer's own page address kept", page: Page{PageURL: "https://status.example.com"},
			ctype: "application/json", body: `{}`, parsed: Report{PageURL: "https://example.org/status"},
			wantAccept: "application/json", wantPage: "https://example.org/status", wantParses: 1},
		{name: "reparse unchanged answers", page: Page{Reparse: true},
			ctype: "application/json", body: `{}`, wantAccept: "application/json", wantParses: 2},
		{name: "a feed, not JSON", page: Page{Accept: feedAccept},
			ctype: "application/atom+xml", body: `<feed xmlns="http://www.w3.org/2005/Atom"/>`,
			wantAccept: feedAccept, wantParses: 1},
		{name: "parse fails every time", page: Page{PageURL: "https://status.example.com"},
			ctype: "application/json", body: `{}`, parseErr: errors.New("not a page"),
			wantAccept: "application/json", wantParses: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("ETag", `"a"`)
				if r.Header.Get("If-None-Match") == `"a"` {
					w.WriteHeader(http.StatusNotModified)
					return
				}
				w.Header().Set("Content-Type", tt.ctype)
				io.WriteString(w, tt.body)
			})
			parses := 0
			p := tt.page
			p.URL = rs.URL + "/status"
			p.Parse = func(r io.Reader) (Report, error) {
				parses++
				b, err := io.ReadAll(r)
				if err != nil || string(b) != tt.body {
					t.Errorf("Parse read %q (%v), want %q", b, err, tt.body)
				}
				return tt.parsed, tt.parseErr
			}
			c := NewPageChecker(p, testFetcher(t, "Paywatch test"))
			if c.URL() != p.URL {
				t.Errorf("URL() = %q, want %q", c.URL(), p.URL)
			}
			for i := range 2 {
				r, err := c.Check(t.Context())
				if tt.parseErr != nil {
					if !errors.Is(err, tt.parseErr) || !reflect.DeepEqual(r, Report{}) {
						t.Errorf("check %d: %+v, %v; want a zero report and the parse error", i+1, r, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("check %d: %v", i+1, err)
				}
				if r.PageURL != tt.wantPage {
					t.Errorf("check %d: PageURL = %q, want %q", i+1, r.PageURL, tt.wantPage)
				}
			}
			if parses != tt.wantParses {
				t.Errorf("parsed %d times, want %d", parses, tt.wantParses)
			}
			rs.mu.Lock()
			defer rs.mu.Unlock()
			if len(rs.seen) != 2 || rs.seen[1].ifNoneMatch != `"a"` {
				t.Fatalf("requests %+v, want two, the second conditional", rs.seen)
			}
			if got := rs.seen[0].accept; got != tt.wantAccept {
				t.Errorf("Accept = %q, want %q", got, tt.wantAccept)
			}
		})
	}
}
