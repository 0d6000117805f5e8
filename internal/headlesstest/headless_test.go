//go:build linux

package headlesstest

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paywatch/paywatch/app/desktoptest"
	"github.com/paywatch/paywatch/monitor/demo"
)

// build gives the headless binary, built once for all the tests: with -race, as make unit runs
// them, so that it reuses the packages compiled for the tests.
func build(t *testing.T) string {
	return desktoptest.Build(t, "github.com/paywatch/paywatch", "-race", "-tags", "headless")
}

func TestMain(m *testing.M) {
	code := m.Run()
	desktoptest.CleanupBuilds()
	os.Exit(code)
}

// user is a person's account with no desktop: a home and a runtime folder of its own, no
// display and no session bus.
func user(t *testing.T) (home string, env []string) {
	t.Helper()
	home = t.TempDir()
	return home, []string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"), "XDG_STATE_HOME=" + filepath.Join(home, ".local", "state"),
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"), "XDG_RUNTIME_DIR=" + t.TempDir(),
		"DBUS_SESSION_BUS_ADDRESS=disabled:", "PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}
}

// run runs the headless binary to its end and returns its exit code and output.
func run(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(build(t), args...)
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("paywatch-headless %q: %v", args, err)
	}
	return code, out.String(), errOut.String()
}

// TestDesktopCommandsSayTheBuildHasNone: what needs the desktop (the tray app, started from a
// terminal in any of its ways, the demo, and the login entry that starts the tray) gets one
// plain line saying that this build has none and what to run instead, and exit code 2; nothing
// is started or installed.
func TestDesktopCommandsSayTheBuildHasNone(t *testing.T) {
	home, env := user(t)
	cfg := filepath.Join(t.TempDir(), "paywatch.yaml")
	if err := os.WriteFile(cfg, []byte("services:\n  - catalog: visa\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "paywatch run --headless"},
		{[]string{"--demo"}, "paywatch run --headless"},
		{[]string{"--config", cfg}, "paywatch run --headless"},
		{[]string{"run"}, "paywatch run --headless"},
		{[]string{"run", "--config", cfg}, "paywatch run --headless"},
		{[]string{"service", "install"}, "paywatch service install --headless"},
		{[]string{"service", "install", "--config", cfg}, "paywatch service install --headless"},
		{[]string{"service", "start"}, "paywatch service install --headless"},
	} {
		code, stdout, stderr := run(t, env, tt.args...)
		msg := strings.TrimSuffix(stderr, "\n")
		if code != 2 || stdout != "" || strings.Contains(msg, "\n") || !strings.Contains(msg, "headless build") || !strings.Contains(msg, tt.want) {
			t.Errorf("paywatch-headless %q: exit %d, stdout %q, stderr %q; want 2 and one line naming %q", tt.args, code, stdout, stderr, tt.want)
		}
	}
	if entries, err := os.ReadDir(filepath.Join(home, ".config", "autostart")); err == nil {
		t.Errorf("a login entry was written: %v", entries)
	}
}

// TestLoginEntryEndsCleanly: started by a login entry that the ordinary build installed
// (--wait-display), the headless build logs why it does not start and what to do, and ends
// with exit code 0, so that the service manager does not restart it in a loop.
func TestLoginEntryEndsCleanly(t *testing.T) {
	home, env := user(t)
	code, stdout, _ := run(t, env, "--wait-display=30s")
	log, err := os.ReadFile(filepath.Join(home, ".local", "state", "paywatch", "paywatch.log"))
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 || stdout != "" || !strings.Contains(string(log), `msg="not starting at login: this is the headless build, without the tray app" instead="paywatch service uninstall, then paywatch service install --headless"`) {
		t.Errorf("--wait-display=30s: exit %d, stdout %q, log:\n%s\nwant 0 and the log line saying what to do", code, stdout, log)
	}
}

// TestHeadlessBuildWorks: the commands that need no desktop work as in the full build: the
// help says what the build lacks, `status` checks a real page, and `run --headless` watches
// it and stops cleanly when told to.
func TestHeadlessBuildWorks(t *testing.T) {
	_, env := user(t)
	page := demo.NewPage("acmepay00001", "Acme Pay", "Card payments")
	pages := demo.NewServer(nil, page)
	checked := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/canary" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		pages.ServeHTTP(w, r)
		select {
		case checked <- struct{}{}:
		default:
		}
	}))
	defer srv.Close()
	cfg := filepath.Join(t.TempDir(), "paywatch.yaml")
	doc := fmt.Sprintf("services:\n  - {name: Acme Pay, url: %[1]s/acmepay00001, platform: statuspage}\nconnectivity: {canaries: [%[1]s/canary]}\n", srv.URL)
	if err := os.WriteFile(cfg, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}

	if code, stdout, _ := run(t, env, "help"); code != 0 || !strings.HasPrefix(stdout, "This is the headless build") || !strings.Contains(stdout, "paywatch run --headless") {
		t.Errorf("help: exit %d, said:\n%s", code, stdout)
	}
	page.Set("Card payments", demo.Major)
	code, stdout, stderr := run(t, env, "status", "--json", "--config", cfg)
	var got struct{ Overall string }
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || code != 2 || got.Overall != "major_outage" {
		t.Errorf("status --json on a page with an outage: exit %d, overall %q (%v); want 2 and major_outage\n%s%s", code, got.Overall, err, stdout, stderr)
	}
	<-checked // status's own check

	cmd := exec.Command(build(t), "run", "--headless", "--config", cfg)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-checked:
	case err := <-done:
		t.Fatalf("run --headless ended before checking the page (%v):\n%s", err, out.String())
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("run --headless did not check the page in 30 s:\n%s", out.String())
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run --headless ended with %v on SIGTERM, want a clean exit:\n%s", err, out.String())
		}
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("run --headless still running 15 s after SIGTERM:\n%s", out.String())
	}
}

// TestLinksNoDesktopLibraries: the headless binary needs none of the X11 or OpenGL libraries
// the tray app needs, so that it starts on a server that has none.
func TestLinksNoDesktopLibraries(t *testing.T) {
	f, err := elf.Open(build(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Fatal(err)
	}
	for _, lib := range libs {
		if strings.HasPrefix(lib, "libGL") || strings.HasPrefix(lib, "libX") || strings.HasPrefix(lib, "libEGL") || strings.HasPrefix(lib, "libwayland") {
			t.Errorf("the headless binary needs %s (all: %s)", lib, strings.Join(libs, " "))
		}
	}
}
