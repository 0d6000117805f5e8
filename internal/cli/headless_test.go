//go:build linux

package cli

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paywatch/paywatch/app/instance"
	"github.com/paywatch/paywatch/monitor/demo"
)

// The headless tests run `paywatch run --headless` as a process of its own: this test binary,
// which runs the command line instead of the tests when PAYWATCH_CLI_TEST_RUN is set.
func TestMain(m *testing.M) {
	if os.Getenv("PAYWATCH_CLI_TEST_RUN") == "1" {
		os.Exit(Run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// headlessEnv is a user with no desktop: a home, a runtime folder with no bus, no
// DBUS_SESSION_BUS_ADDRESS, and a dbus-launch on PATH that records being run (and would start
// a bus that outlives Paywatch).
type headlessEnv struct {
	home, runtime, marker, cfg string
	page                       *demo.Page
	env                        []string
}

func newHeadlessEnv(t *testing.T) *headlessEnv {
	t.Helper()
	h := &headlessEnv{home: t.TempDir(), runtime: t.TempDir()}
	bin := t.TempDir()
	h.marker = filepath.Join(t.TempDir(), "dbus-launch-ran")
	script := "#!/bin/sh\necho ran >> " + h.marker + "\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "dbus-launch"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	h.page = demo.NewPage("acmepay00001", "Acme Pay", "Card payments")
	pages := demo.NewServer(nil, h.page)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/canary" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		pages.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	h.cfg = filepath.Join(t.TempDir(), "paywatch.yaml")
	cfg := fmt.Sprintf("services:\n  - name: Acme Pay\n    url: %[1]s/acmepay00001\n    platform: statuspage\n    interval: 1s\nconnectivity:\n  canaries: [%[1]s/canary]\n", srv.URL)
	if err := os.WriteFile(h.cfg, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	h.env = []string{"PAYWATCH_CLI_TEST_RUN=1", "HOME=" + h.home, "XDG_RUNTIME_DIR=" + h.runtime,
		"PATH=" + bin + ":" + os.Getenv("PATH"), "LANG=C.UTF-8"}
	return h
}

// syncBuf collects a process's output while it runs.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// start runs `paywatch run --headless --config cfg` until the test ends.
func (h *headlessEnv) start(t *testing.T) (*exec.Cmd, *syncBuf, chan error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "run", "--headless", "--config", h.cfg)
	cmd.Env = h.env
	out := &syncBuf{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
	})
	return cmd, out, done
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestHeadlessOneInstance: a second `paywatch run --headless` for the same user and settings
// file says that Paywatch is already running, with the first one's process ID, and ends at once
// (two would send every incident twice); the first one keeps running.
func TestHeadlessOneInstance(t *testing.T) {
	h := newHeadlessEnv(t)
	first, _, firstDone := h.start(t)
	dir := filepath.Join(h.runtime, "paywatch")
	name := instance.Name(h.cfg, "")
	waitUntil(t, "the first instance to hold its lock", func() bool {
		pid, _ := instance.Owner(dir, name)
		return pid == first.Process.Pid
	})
	_, out, done := h.start(t)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the second instance ended with %v, want a clean exit\n%s", err, out)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("a second headless Paywatch is still running after 15 s:\n%s", out)
	}
	want := fmt.Sprintf("Paywatch is already running (process %d) for this user and settings file: not starting a second one.", first.Process.Pid)
	if !strings.Contains(out.String(), want) {
		t.Errorf("the second instance said\n%s\nwant %q", out, want)
	}
	select {
	case err := <-firstDone:
		t.Fatalf("the first instance ended (%v)", err)
	default:
	}
}

// TestHeadlessStartsNoBus: with no session bus, a notification in headless mode does not start
// one (no dbus-launch, which would leave a dbus-daemon behind); it goes to the log, and the log
// says once that desktop notifications are off.
func TestHeadlessStartsNoBus(t *testing.T) {
	h := newHeadlessEnv(t)
	_, out, _ := h.start(t)
	waitUntil(t, "the first check", func() bool { return strings.Contains(out.String(), "service first checked") })
	h.page.Set("Card payments", demo.Major)
	waitUntil(t, "the notification", func() bool { return strings.Contains(out.String(), `title="Acme Pay: Major outage"`) })
	h.page.Set("Card payments", demo.Operational)
	waitUntil(t, "the second notification", func() bool { return strings.Contains(out.String(), `title="Acme Pay is back to normal"`) })
	if data, err := os.ReadFile(h.marker); err == nil {
		t.Errorf("dbus-launch ran %d times: headless Paywatch started a session bus", strings.Count(string(data), "ran"))
	}
	if n := strings.Count(out.String(), "desktop notifications are off"); n != 1 {
		t.Errorf("said %d times that desktop notifications are off, want once:\n%s", n, out)
	}
}
