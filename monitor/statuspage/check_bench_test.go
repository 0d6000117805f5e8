package statuspage_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/statuspage"
)

// BenchmarkCheck measures whole checks (HTTP on 127.0.0.1 + parse) against DESIGN.md §9's
// yardstick, a bare loop of net/http + JSON decode of the same ~8 KB page. "unchanged" is a page
// that answers 304 Not Modified, as most polls of a quiet status page do.
//
//	go test -run '^$' -bench Check -benchmem ./monitor/statuspage/
func BenchmarkCheck(b *testing.B) {
	body := readFile(b, "bench_summary.json")
	// full never sends validators, so every poll is a whole page; etag lets polls come back 304.
	full := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer full.Close()
	etag := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `W/"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `W/"v1"`)
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer etag.Close()
	ctx := context.Background()

	b.Run("baseline-bare-http-json", func(b *testing.B) {
		client := &http.Client{}
		b.ReportAllocs()
		for b.Loop() {
			resp, err := client.Get(full.URL + "/api/v2/summary.json")
			if err != nil {
				b.Fatal(err)
			}
			var v map[string]any
			err = json.NewDecoder(resp.Body).Decode(&v)
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("paywatch-changed", func(b *testing.B) {
		c := statuspage.New(full.URL, monitor.NewFetcher(monitor.FetcherOptions{}))
		if _, err := c.Check(ctx); err != nil { // the first check also reads incidents.json
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Check(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("paywatch-unchanged-304", func(b *testing.B) {
		c := statuspage.New(etag.URL, monitor.NewFetcher(monitor.FetcherOptions{}))
		if _, err := c.Check(ctx); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Check(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
