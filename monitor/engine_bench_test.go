package monitor_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/statuspage"
)

// BenchmarkEngine500 runs the real engine over 500 Statuspage targets (an ~8 KB page each, on
// 127.0.0.1) until every target has been checked once, and reports how long the first round
// took and the heap it needed (DESIGN.md §9: a few tens of MB at 500 targets; every target
// checked within one interval of start).
//
//	go test -run '^$' -bench Engine500 -benchtime 3x ./monitor/
func BenchmarkEngine500(b *testing.B) {
	body, err := os.ReadFile(filepath.Join("statuspage", "testdata", "bench_summary.json"))
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()
	const n = 500
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		f := monitor.NewFetcher(monitor.FetcherOptions{})
		targets := make([]monitor.Target, n)
		for i := range targets {
			targets[i] = monitor.Target{ServiceID: fmt.Sprintf("svc%d", i), SourceID: "page", URL: fmt.Sprintf("%s/p%d", srv.URL, i),
				Interval: time.Minute, Checker: statuspage.New(fmt.Sprintf("%s/p%d", srv.URL, i), f)}
		}
		e := monitor.NewEngine(targets, monitor.EngineOptions{})
		ctx, cancel := context.WithCancel(context.Background())
		out := make(chan monitor.Observation, n)
		done := make(chan struct{})
		start := time.Now()
		go func() { e.Run(ctx, out); close(done) }()
		seen := map[string]bool{}
		var reports []monitor.Report // kept, as the tracker keeps the last report of each target
		for len(seen) < n {
			o := <-out
			if o.Err != nil {
				b.Fatal(o.Err)
			}
			seen[o.Target] = true
			reports = append(reports, o.Report)
		}
		round := time.Since(start)
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		cancel()
		<-done
		b.ReportMetric(round.Seconds(), "s-first-round")
		b.ReportMetric(float64(after.HeapInuse-min(after.HeapInuse, before.HeapInuse))/(1<<20), "MB-heap")
		runtime.KeepAlive(reports)
	}
}
