//go:build linux

package history

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkOpenMemory: the resident memory (RssAnon) that opening a history of 120 days of 20
// services and recording 40 rounds adds to the process, the SQLite page cache's share of what
// the tray app keeps for its life:
//
//	go test -run '^$' -bench OpenMemory -benchtime 1x ./monitor/history
func BenchmarkOpenMemory(b *testing.B) {
	path := filepath.Join(b.TempDir(), "history.db")
	// Written by another process: SQLite's allocator keeps what it once had, and the filling
	// would hide the opening's share.
	cmd := exec.Command(os.Args[0], "-test.run=^TestFillHistoryFile$")
	cmd.Env = append(os.Environ(), "PAYWATCH_FILL_HISTORY="+path)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("filling the history: %v\n%s", err, out)
	}
	for b.Loop() {
		before := rssAnon(b)
		s := benchStoreAt(b, path, newClock(time.Now()))
		w := newWorld(newClock(time.Now()), 20)
		for range 40 {
			s.Record(w.update())
			if err := s.Flush(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(rssAnon(b)-before)/(1<<20), "MB-anon")
		s.stop()
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(fi.Size())/1e6, "MB-file")
}

// TestFillHistoryFile writes 120 days of 20 services into $PAYWATCH_FILL_HISTORY, for
// BenchmarkOpenMemory; without it, it does nothing.
func TestFillHistoryFile(t *testing.T) {
	path := os.Getenv("PAYWATCH_FILL_HISTORY")
	if path == "" {
		t.Skip("for BenchmarkOpenMemory")
	}
	start := time.Now().Add(-121 * 24 * time.Hour).Truncate(time.Hour)
	clk := newClock(start)
	s, _, err := Open(path, clk.opts(Options{Heartbeat: 1000 * time.Hour}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = s.Run(ctx); close(done) }()
	fill(t, s, clk, 20, 120, start)
	cancel()
	<-done
	s.Close()
}

// stoppable is a store with its writer running.
type stoppable struct {
	*Store
	stop func()
}

func benchStoreAt(b *testing.B, path string, clk *clock) stoppable {
	b.Helper()
	s, _, err := Open(path, clk.opts(Options{Heartbeat: 1000 * time.Hour}))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = s.Run(ctx); close(done) }()
	return stoppable{s, func() { cancel(); <-done; s.Close() }}
}

// rssAnon is the process's resident anonymous memory, once the Go heap has given back what it
// can.
func rssAnon(b *testing.B) int64 {
	debug.FreeOSMemory()
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "RssAnon:"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n << 10
		}
	}
	b.Fatal("no RssAnon in /proc/self/status")
	return 0
}
