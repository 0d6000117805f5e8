//go:build linux

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/paywatch/paywatch/app/desktoptest"
	"github.com/paywatch/paywatch/monitor/demo"
)

// BenchmarkIdle measures DESIGN.md §9's idle budget: the CPU share and memory of the tray app
// watching 20 services, next to a bare Fyne tray app doing nothing, both under Xvfb with a
// private D-Bus session each. Run once:
//
//	go test -run '^$' -bench Idle -benchtime 1x ./internal/e2e
//
// The two run at the same time and are measured over the same windows (PAYWATCH_IDLE_WINDOWS of
// PAYWATCH_IDLE_WINDOW each, default 2 × 30 s), so that what else the machine does weighs on
// both alike; one after the other, the load of the moment decided the ratio. That is done for
// PAYWATCH_IDLE_PAIRS fresh pairs of processes (default 3): the share of a core that Fyne's 60 Hz
// event loop takes differs from one process to the next by several per cent, even between two
// copies of the same program, and stays so for the process's life. Both executables start from
// disk (dropped from the page cache first), as at login after a reboot: a just-built executable
// sits in the page cache in large folios that this kernel maps whole on a first touch, which made
// RssFile a matter of when it was written. Reported: each app's %cpu (mean of the pairs),
// cpu-x-bare (Paywatch's CPU over the bare app's, all pairs' windows) and, from the median pair,
// RSS (MB-rss), RssAnon (MB-anon: the heaps, stacks, SQLite's memory) and RssFile (MB-file: the
// executable's and libraries' pages), each app's and Paywatch's excess over the bare app. Each
// pair is logged.
//
// PAYWATCH_IDLE_CONTROL=1 runs a second bare app in Paywatch's place: the ratios it prints are
// what two identical programs differ by here (the CPU share of Fyne's 60 Hz event loop varies
// from process to process by several per cent), the yardstick for reading Paywatch's.
//
// For working out where the memory goes: PAYWATCH_IDLE_DUMP=DIR keeps each process's /proc
// smaps and status at the end, its PID at the start (for strace -p or perf record -p) and its
// output; with PAYWATCH_IDLE_PROFILE=1 (or =cpu) the tray app also writes a heap profile with its
// runtime/metrics and goroutines (and a CPU profile) there at exit;
// PAYWATCH_IDLE_ENV="GODEBUG=gctrace=1 GOGC=50" sets variables for both processes.
func BenchmarkIdle(b *testing.B) {
	window, windows, pairs := 30*time.Second, 2, 3
	if v := os.Getenv("PAYWATCH_IDLE_WINDOW"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			b.Fatalf("PAYWATCH_IDLE_WINDOW=%q: want a duration of a second or more, like 30s", v)
		}
		window = d
	}
	windows, pairs = envCount(b, "PAYWATCH_IDLE_WINDOWS", windows), envCount(b, "PAYWATCH_IDLE_PAIRS", pairs)
	bareBin := desktoptest.Build(b, "github.com/paywatch/paywatch/app/desktoptest/testdata/trayapp")
	pwBin := desktoptest.Build(b, "github.com/paywatch/paywatch")

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
	pwArgs := []string{"--config", path}
	dump := os.Getenv("PAYWATCH_IDLE_DUMP")
	if dump != "" && os.Getenv("PAYWATCH_IDLE_PROFILE") != "" {
		pwArgs = append(pwArgs, "--memprofile", filepath.Join(dump, "paywatch.memprofile"))
		if os.Getenv("PAYWATCH_IDLE_PROFILE") == "cpu" { // its buffer is 1 MB of heap
			pwArgs = append(pwArgs, "--cpuprofile", filepath.Join(dump, "paywatch.cpuprofile"))
		}
	}
	var env []string
	if v := os.Getenv("PAYWATCH_IDLE_ENV"); v != "" {
		env = strings.Fields(v) // e.g. GODEBUG=gctrace=1, for profiling
	}

	control := os.Getenv("PAYWATCH_IDLE_CONTROL") != ""
	for b.Loop() {
		var runs [][2]*idleApp // bare, Paywatch (or the control's second bare app)
		for pair := range pairs {
			for _, bin := range []string{bareBin, pwBin} {
				if err := dropFromPageCache(bin); err != nil {
					b.Fatal(err)
				}
			}
			bare := startIdle(b, "bare-fyne-tray", bareBin, env, nil)
			var pw *idleApp
			if control {
				pw = startIdle(b, "bare-fyne-tray-2", bareBin, env, nil)
			} else {
				pw = startIdle(b, "paywatch-20-services", pwBin, env, pwArgs)
			}
			apps := [2]*idleApp{bare, pw}
			time.Sleep(5 * time.Second) // settle: first checks, first menu (a measurement window, not a wait for luck)
			for _, a := range apps {
				a.ticks = append(a.ticks, cpuTicks(b, a.p.PID()))
			}
			t0 := time.Now()
			for range windows {
				time.Sleep(window)
				for _, a := range apps {
					a.ticks = append(a.ticks, cpuTicks(b, a.p.PID()))
				}
			}
			span := time.Since(t0)
			for _, a := range apps {
				a.finish(b, span, dump)
				a.stop(b, dump)
			}
			b.Logf("pair %d: %s %.3f %% of a core, %.1f MB; %s %.3f %%, %.1f MB: %.3f× the CPU, %+.1f MB",
				pair+1, bare.name, bare.cpu, bare.mb["VmRSS"], pw.name, pw.cpu, pw.mb["VmRSS"], pw.cpu/bare.cpu, pw.mb["VmRSS"]-bare.mb["VmRSS"])
			runs = append(runs, apps)
		}
		// CPU: over every pair's windows together. Memory: the median pair.
		var bareCPU, pwCPU float64
		for _, r := range runs {
			bareCPU += r[0].cpu
			pwCPU += r[1].cpu
		}
		b.ReportMetric(bareCPU/float64(len(runs)), "%cpu-bare")
		b.ReportMetric(pwCPU/float64(len(runs)), "%cpu-paywatch")
		if bareCPU > 0 {
			b.ReportMetric(pwCPU/bareCPU, "cpu-x-bare")
		}
		median := func(f func(r [2]*idleApp) float64) float64 {
			var v []float64
			for _, r := range runs {
				v = append(v, f(r))
			}
			slices.Sort(v)
			if len(v)%2 == 1 {
				return v[len(v)/2]
			}
			return (v[len(v)/2-1] + v[len(v)/2]) / 2
		}
		for _, f := range []struct{ field, unit string }{{"VmRSS", "MB-rss"}, {"RssAnon", "MB-anon"}, {"RssFile", "MB-file"}} {
			b.ReportMetric(median(func(r [2]*idleApp) float64 { return r[0].mb[f.field] }), f.unit+"-bare")
			b.ReportMetric(median(func(r [2]*idleApp) float64 { return r[1].mb[f.field] }), f.unit+"-paywatch")
			b.ReportMetric(median(func(r [2]*idleApp) float64 { return r[1].mb[f.field] - r[0].mb[f.field] }), f.unit+"-over-bare")
		}
	}
}

// idleApp is one of BenchmarkIdle's two programs, on a desktop of its own.
type idleApp struct {
	name  string
	p     *desktoptest.Process
	ticks []int64            // CPU ticks at the start of the windows and at the end of each
	cpu   float64            // % of a core over all windows
	mb    map[string]float64 // VmRSS, RssAnon, RssFile at the end
}

func startIdle(b *testing.B, name, bin string, env, args []string) *idleApp {
	b.Helper()
	d := desktoptest.Start(b, desktoptest.WithEnv(env...))
	a := &idleApp{name: name, p: d.StartApp(b, bin, args...)}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := d.WaitItem(ctx); err != nil {
		b.Fatalf("%s: tray item: %v\n%s", name, err, a.p.Output())
	}
	if dump := os.Getenv("PAYWATCH_IDLE_DUMP"); dump != "" {
		// For tracing the process from outside (strace -p, perf record -p) during the windows.
		if err := os.WriteFile(filepath.Join(dump, name+".pid"), []byte(strconv.Itoa(a.p.PID())), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return a
}

// finish works out the app's CPU share over span and reads its memory, keeping the mappings
// behind the figures in dump when set.
func (a *idleApp) finish(b *testing.B, span time.Duration, dump string) {
	b.Helper()
	const hz = 100 // USER_HZ on Linux
	a.cpu = float64(a.ticks[len(a.ticks)-1]-a.ticks[0]) / hz / span.Seconds() * 100
	a.mb = map[string]float64{}
	for _, f := range []string{"VmRSS", "RssAnon", "RssFile"} {
		a.mb[f] = float64(statusKB(b, a.p.PID(), f)) / 1024
	}
	if dump == "" {
		return
	}
	for _, f := range []string{"smaps", "status"} {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", a.p.PID(), f))
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dump, a.name+"."+f), raw, 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

func (a *idleApp) stop(b *testing.B, dump string) {
	b.Helper()
	a.p.Stop(5 * time.Second)
	if dump != "" {
		if err := os.WriteFile(filepath.Join(dump, a.name+".log"), []byte(a.p.Output()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// envCount is the whole number of 1 or more in the environment variable name, or def when it is
// not set.
func envCount(b *testing.B, name string, def int) int {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a whole number of 1 or more", name, v)
	}
	return n
}

// dropFromPageCache writes the file out and asks the kernel to forget its cached pages, so that a
// program started from it reads it from disk, as after a reboot.
func dropFromPageCache(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
		return fmt.Errorf("drop %s from the page cache: %w", path, err)
	}
	return nil
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
