//go:build linux

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/app/desktoptest"
	"github.com/paywatch/paywatch/monitor/demo"
)

// BenchmarkIdle measures DESIGN.md §9's idle budget: the CPU share and memory of the tray app
// watching 20 services, next to a bare Fyne tray app doing nothing, both under Xvfb with a
// private D-Bus session. Run once:
//
//	go test -run '^$' -bench Idle -benchtime 1x ./internal/e2e
//
// MB-anon (RssAnon: the heaps, stacks, SQLite's memory) and MB-file (RssFile: the executable's
// and libraries' pages; on kernels that map an executable's page cache in large folios that is
// nearly the whole executable) make up MB-rss. For working out where the memory goes:
// PAYWATCH_IDLE_WINDOW=30s shortens the window; PAYWATCH_IDLE_DUMP=DIR keeps each process's
// /proc smaps and status at the end of the window, its PID at the start (for strace -p or
// perf record -p) and its output; with PAYWATCH_IDLE_PROFILE=1 (or =cpu) the tray app also writes a
// heap profile with its runtime/metrics and goroutines (and a CPU profile) there at exit;
// PAYWATCH_IDLE_ENV="GODEBUG=gctrace=1 GOGC=50" sets variables for both processes.
func BenchmarkIdle(b *testing.B) {
	window := 60 * time.Second
	if v := os.Getenv("PAYWATCH_IDLE_WINDOW"); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			window = d
		}
	}
	b.Run("bare-fyne-tray", func(b *testing.B) {
		bin := desktoptest.Build(b, "github.com/paywatch/paywatch/app/desktoptest/testdata/trayapp")
		for b.Loop() {
			measureIdle(b, bin, nil, window)
		}
	})
	b.Run("paywatch-20-services", func(b *testing.B) {
		bin := desktoptest.Build(b, "github.com/paywatch/paywatch")
		var pages []*demo.Page
		for i := range 20 {
			pages = append(pages, demo.NewPage(fmt.Sprintf("idlepage%04d", i), fmt.Sprintf("Service %d", i+1), "Payments", "Payouts", "Dashboard"))
		}
		srv := httptest.NewServer(demo.NewServer(nil, pages...))
		defer srv.Close()
		cfg := "services:\n"
		for _, p := range pages {
			cfg += fmt.Sprintf("  - name: %s\n    url: %s/%s\n    platform: statuspage\n    interval: 30s\n", p.Name, srv.URL, p.ID)
		}
		canary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
		defer canary.Close()
		cfg += fmt.Sprintf("connectivity:\n  canaries: [%s]\n", canary.URL)
		path := filepath.Join(b.TempDir(), "idle.yaml")
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			b.Fatal(err)
		}
		args := []string{"--config", path}
		if dir := os.Getenv("PAYWATCH_IDLE_DUMP"); dir != "" && os.Getenv("PAYWATCH_IDLE_PROFILE") != "" {
			args = append(args, "--memprofile", filepath.Join(dir, "paywatch.memprofile"))
			if os.Getenv("PAYWATCH_IDLE_PROFILE") == "cpu" { // its buffer is 1 MB of heap
				args = append(args, "--cpuprofile", filepath.Join(dir, "paywatch.cpuprofile"))
			}
		}
		for b.Loop() {
			measureIdle(b, bin, args, window)
		}
	})
}

func measureIdle(b *testing.B, bin string, args []string, window time.Duration) {
	b.Helper()
	var env []string
	if v := os.Getenv("PAYWATCH_IDLE_ENV"); v != "" {
		env = strings.Fields(v) // e.g. GODEBUG=gctrace=1, for profiling
	}
	d := desktoptest.Start(b, desktoptest.WithEnv(env...))
	p := d.StartApp(b, bin, args...)
	ctx, cancel := context.WithTimeout(context.Background(), window+time.Minute)
	defer cancel()
	if _, err := d.WaitItem(ctx); err != nil {
		b.Fatalf("tray item: %v\n%s", err, p.Output())
	}
	dump := os.Getenv("PAYWATCH_IDLE_DUMP")
	if dump != "" {
		// For tracing the process from outside (strace -p, perf record -p) during the window.
		if err := os.WriteFile(filepath.Join(dump, dumpName(b)+".pid"), []byte(strconv.Itoa(p.PID())), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	time.Sleep(5 * time.Second) // settle: first checks, first render (a measurement window, not a wait for luck)
	t0, c0 := time.Now(), cpuTicks(b, p.PID())
	time.Sleep(window)
	t1, c1 := time.Now(), cpuTicks(b, p.PID())
	const hz = 100 // USER_HZ on Linux
	cpu := float64(c1-c0) / hz / t1.Sub(t0).Seconds() * 100
	b.ReportMetric(cpu, "%cpu")
	b.ReportMetric(float64(statusKB(b, p.PID(), "VmRSS"))/1024, "MB-rss")
	b.ReportMetric(float64(statusKB(b, p.PID(), "RssAnon"))/1024, "MB-anon")
	b.ReportMetric(float64(statusKB(b, p.PID(), "RssFile"))/1024, "MB-file")
	if dump != "" {
		// The mappings behind the figures, for working out where the memory is.
		for _, f := range []string{"smaps", "status"} {
			raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", p.PID(), f))
			if err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dump, dumpName(b)+"."+f), raw, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	p.Stop(5 * time.Second)
	if dump != "" {
		if err := os.WriteFile(filepath.Join(dump, dumpName(b)+".log"), []byte(p.Output()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// dumpName is the sub-benchmark's name for the files PAYWATCH_IDLE_DUMP gets: "bare-fyne-tray".
func dumpName(b *testing.B) string {
	_, name, _ := strings.Cut(b.Name(), "/")
	return name
}

func cpuTicks(b *testing.B, pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return ut + st
}

// statusKB is a field of /proc/PID/status in kB: VmRSS, RssAnon (the heaps), RssFile (the
// executable's and libraries' pages).
func statusKB(b *testing.B, pid int, field string) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	return 0
}
