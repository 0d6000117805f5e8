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
		for b.Loop() {
			measureIdle(b, bin, []string{"--config", path}, window)
		}
	})
}

func measureIdle(b *testing.B, bin string, args []string, window time.Duration) {
	b.Helper()
	d := desktoptest.Start(b)
	p := d.StartApp(b, bin, args...)
	ctx, cancel := context.WithTimeout(context.Background(), window+time.Minute)
	defer cancel()
	if _, err := d.WaitItem(ctx); err != nil {
		b.Fatalf("tray item: %v\n%s", err, p.Output())
	}
	time.Sleep(5 * time.Second) // settle: first checks, first render (a measurement window, not a wait for luck)
	t0, c0 := time.Now(), cpuTicks(b, p.PID())
	time.Sleep(window)
	t1, c1 := time.Now(), cpuTicks(b, p.PID())
	const hz = 100 // USER_HZ on Linux
	cpu := float64(c1-c0) / hz / t1.Sub(t0).Seconds() * 100
	b.ReportMetric(cpu, "%cpu")
	b.ReportMetric(float64(rssKB(b, p.PID()))/1024, "MB-rss")
	p.Stop(5 * time.Second)
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

func rssKB(b *testing.B, pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	return 0
}
