package monitor_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/statuspage"
)

// BenchmarkWatcherHeap runs the real watcher (engine, page checkers, gate, tracker, policy)
// over N Statuspage pages on 127.0.0.1 (twenty components each, like make bench-engine's)
// until every page has been checked twice, the second time answered 304, and reports the live
// heap it keeps per watched service (what issue 14's RSS targets are made of; the history and
// the team channels are not part of it). BENCH_HEAP_PROFILE=FILE writes the in-use heap profile
// of that moment.
//
//	go test -run '^$' -bench WatcherHeap -benchtime 1x ./monitor/
func BenchmarkWatcherHeap(b *testing.B) {
	for _, n := range []int{500, 2000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				b.ReportMetric(watcherHeap(b, n), "live-B/service")
			}
		})
	}
}

func watcherHeap(b *testing.B, n int) float64 {
	if os.Getenv("BENCH_HEAP_PROFILE") != "" {
		runtime.MemProfileRate = 2048
	}
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = benchPage(i)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		num, endpoint, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/p/"), "/")
		i, err := strconv.Atoi(num)
		if err != nil || i < 0 || i >= n {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if endpoint == "api/v2/incidents.json" {
			w.Write([]byte(`{"page":{"id":"p","name":"Bench"},"incidents":[]}`))
			return
		}
		etag := `"` + num + `"`
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write(bodies[i])
	}))
	defer srv.Close()

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	f := monitor.NewFetcher(monitor.FetcherOptions{})
	specs := make([]monitor.ServiceSpec, n)
	for i := range specs {
		id := fmt.Sprintf("bench-%04d", i)
		url := fmt.Sprintf("%s/p/%d", srv.URL, i)
		specs[i] = monitor.ServiceSpec{ID: id, Name: fmt.Sprintf("Bench %04d", i), URL: url, Targets: []monitor.Target{{
			ServiceID: id, SourceID: "page", Kind: monitor.KindPage, Platform: "statuspage", URL: url,
			Interval: time.Second, Checker: statuspage.New(url, f)}}}
	}
	w := monitor.NewWatcher(specs, monitor.WatcherOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	updates := make(chan monitor.Update, 4)
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, updates) }()

	// Every page checked twice: the first answer is the baseline, the second a 304.
	var last monitor.Update
	checked := map[string]time.Time{}
	twice := 0
	for twice < n {
		last = <-updates
		for _, sv := range last.Snapshot.Services {
			first, ok := checked[sv.ID]
			switch {
			case sv.CheckedAt.IsZero():
			case !ok:
				checked[sv.ID] = sv.CheckedAt
			case !first.IsZero() && sv.CheckedAt.After(first):
				checked[sv.ID] = time.Time{}
				twice++
			}
		}
	}
	// Keep reading, as a sink does, while the heap is measured.
	measured := make(chan struct{})
	go func() {
		for {
			select {
			case last = <-updates:
			case <-measured:
				return
			}
		}
	}()
	runtime.GC()
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if path := os.Getenv("BENCH_HEAP_PROFILE"); path != "" {
		if pf, err := os.Create(path); err == nil {
			pprof.Lookup("heap").WriteTo(pf, 0)
			pf.Close()
		}
	}
	close(measured)
	cancel()
	<-done
	runtime.KeepAlive(last)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

// benchPage is a Statuspage summary like make bench-engine's (internal/benchengine): twenty
// components in two groups, no incidents.
func benchPage(i int) []byte {
	names := []string{"API", "Dashboard", "Card payments", "Payouts", "Webhooks", "Checkout",
		"Billing", "Invoicing", "Fraud screening", "3-D Secure", "Apple Pay", "Google Pay", "SEPA Direct Debit",
		"ACH transfers", "Terminal", "Connect", "Identity", "Reporting", "Sandbox", "Support site"}
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"page":{"id":"page%04d","name":"Bench %04d","url":"https://status.bench%04d.example"},"components":[`, i, i, i)
	for g := range 2 {
		fmt.Fprintf(&b, `{"id":"grp%04d%d","name":"Region %d","status":"operational","group_id":null,"group":true},`, i, g, g+1)
	}
	for c, name := range names {
		if c > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"c%04d%02d","name":%q,"status":"operational","description":"The %s service.","group_id":"grp%04d%d","group":false}`,
			i, c, name, name, i, c/10)
	}
	b.WriteString(`],"incidents":[],"scheduled_maintenances":[],"status":{"indicator":"none","description":"All Systems Operational"}}`)
	return b.Bytes()
}
