//go:build linux

package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/paywatch/paywatch/app/desktoptest"
	"github.com/paywatch/paywatch/assets"
	"github.com/paywatch/paywatch/monitor/channels/smtpsink"
	"github.com/paywatch/paywatch/monitor/demo"
)

func TestMain(m *testing.M) {
	code := m.Run()
	desktoptest.CleanupBuilds()
	os.Exit(code)
}

// statusServer is a local Statuspage imitation whose pages the test changes, counting requests
// so the test can tell that the app has polled again without sleeping for luck.
type statusServer struct {
	*httptest.Server
	acme, bank *demo.Page
	requests   atomic.Int64
}

func newStatusServer(t *testing.T) *statusServer {
	t.Helper()
	s := &statusServer{
		acme: demo.NewPage("acmepay00001", "Acme Pay", "Card payments", "Payouts"),
		bank: demo.NewPage("northwind001", "Northwind Bank", "Online banking", "Transfers"),
	}
	h := demo.NewServer(nil, s.acme, s.bank)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/canary" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		s.requests.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *statusServer) config(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "paywatch.yaml")
	cfg := fmt.Sprintf(`services:
  - name: Acme Pay
    url: %[1]s/acmepay00001
    platform: statuspage
    interval: 1s
  - name: Northwind Bank
    url: %[1]s/northwind001
    platform: statuspage
    interval: 1s
connectivity:
  canaries: [%[1]s/canary]
`, s.URL)
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// polled waits until the app has fetched at least n more pages after this call.
func (s *statusServer) polled(ctx context.Context, n int64) error {
	start := s.requests.Load()
	return desktoptest.WaitFor(ctx, func() (bool, error) { return s.requests.Load() >= start+n, nil })
}

// startDesktop starts a private X display and session bus. The race detector in the app
// reports into a file instead of exiting (desktoptest.WithRaceLog): fyne.io/systray has races
// of its own between SetIcon and its D-Bus handlers, so only races in Paywatch's own code fail
// the test, and the others are counted in one line.
func startDesktop(t *testing.T, opts ...desktoptest.Option) *desktoptest.Desktop {
	t.Helper()
	return desktoptest.Start(t, append(opts, desktoptest.WithRaceLog(t))...)
}

// startApp starts the app on d and stops it when the test ends.
func startApp(t *testing.T, d *desktoptest.Desktop, bin string, args ...string) *desktoptest.Process {
	t.Helper()
	p := d.StartApp(t, bin, args...)
	t.Cleanup(func() {
		if !p.Exited() {
			p.Stop(5 * time.Second)
		}
	})
	return p
}

// binary is the real Paywatch, built once per run with the race detector, so the end-to-end
// tests also catch data races between the engine, the UI goroutine and Fyne.
func binary(t *testing.T) string {
	t.Helper()
	return desktoptest.Build(t, "github.com/paywatch/paywatch", "-race")
}

// stateColor is the main colour of Paywatch's own tray icon for a state.
func stateColor(t testing.TB, state string) color.RGBA {
	t.Helper()
	b, err := assets.TrayIcon(state, 64)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return desktoptest.DominantColor(img)
}

func near(a, b color.RGBA) bool {
	d := func(x, y uint8) int { return max(int(x), int(y)) - min(int(x), int(y)) }
	return d(a.R, b.R) < 24 && d(a.G, b.G) < 24 && d(a.B, b.B) < 24
}

// waitIcon waits until the tray shows the icon of a state, judged by its main colour.
func waitIcon(ctx context.Context, t testing.TB, item *desktoptest.Item, state string) error {
	want := stateColor(t, state)
	var last color.RGBA
	err := desktoptest.WaitFor(ctx, func() (bool, error) {
		c, err := item.IconColor()
		if err != nil {
			return false, nil
		}
		last = c
		return near(c, want), nil
	})
	if err != nil {
		return fmt.Errorf("tray icon colour stayed %v (%s), want the %s icon's %v: %w", last, desktoptest.ColorName(last), state, want, err)
	}
	return nil
}

func waitLabel(ctx context.Context, item *desktoptest.Item, prefix string) error {
	var last []string
	err := desktoptest.WaitFor(ctx, func() (bool, error) {
		labels, err := item.MenuLabels()
		if err != nil {
			return false, nil
		}
		last = labels
		return slices.ContainsFunc(labels, func(l string) bool { return strings.HasPrefix(l, prefix) }), nil
	})
	if err != nil {
		return fmt.Errorf("no menu line starting %q in %q: %w", prefix, last, err)
	}
	return nil
}

func TestTrayEndToEnd(t *testing.T) {
	bin := binary(t)
	srv := newStatusServer(t)
	d := startDesktop(t)
	p := startApp(t, d, bin, "--config", srv.config(t))
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	defer dumpOnFailure(t, p)

	item, err := d.WaitItem(ctx)
	if err != nil {
		t.Fatalf("tray item never registered: %v", err)
	}
	if err := waitIcon(ctx, t, item, "operational"); err != nil {
		t.Fatal(err)
	}
	if err := waitLabel(ctx, item, "Acme Pay — Operational · checked"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Check now", "Open status page", "Quit"} {
		if err := waitLabel(ctx, item, want); err != nil {
			t.Fatal(err)
		}
	}
	if tip, _, err := item.ToolTip(); err != nil || tip != "Paywatch: all 2 services working normally" {
		t.Errorf("tooltip = %q, %v; want all services working", tip, err)
	}
	if n := len(d.Notifications()); n != 0 {
		t.Fatalf("got %d notifications at start-up, want none: %+v", n, d.Notifications())
	}

	// A major outage: red icon, the menu says so, exactly one notification.
	srv.acme.Set("Card payments", demo.Major)
	srv.acme.SetIncident(&demo.Incident{Name: "Card payments failing", Impact: "critical", Status: "identified", Update: "We have <b>found</b> the cause."})
	if err := waitIcon(ctx, t, item, "major_outage"); err != nil {
		t.Fatal(err)
	}
	if err := waitLabel(ctx, item, "Acme Pay — Major outage · checked"); err != nil {
		t.Fatal(err)
	}
	notes, err := d.WaitNotifications(ctx, 1)
	if err != nil {
		t.Fatalf("no outage notification: %v", err)
	}
	n := notes[0]
	if n.AppName != "Paywatch" || n.Summary != "Acme Pay: Major outage" || !strings.Contains(n.Body, "Card payments failing — We have found the cause.") {
		t.Errorf("outage notification = app %q, summary %q, body %q", n.AppName, n.Summary, n.Body)
	}
	if err := desktoptest.WaitFor(ctx, func() (bool, error) {
		tip, _, err := item.ToolTip()
		return tip == "Paywatch: 1 of 2 services has problems", err
	}); err != nil {
		t.Errorf("tooltip never said 1 of 2 services has problems: %v", err)
	}
	// Several more polls of the same outage must not notify again.
	if err := srv.polled(ctx, 6); err != nil {
		t.Fatal(err)
	}
	if got := len(d.Notifications()); got != 1 {
		t.Fatalf("after more polls of the same outage: %d notifications, want 1: %+v", got, d.Notifications())
	}

	// "Check now" polls at once.
	before := srv.requests.Load()
	if err := clickUntil(ctx, item, "Check now", func() (bool, error) { return srv.requests.Load() >= before+2, nil }); err != nil {
		t.Fatalf("Check now did not poll: %v", err)
	}

	// Recovery: green again and one notification saying how long it lasted.
	srv.acme.SetAll(demo.Operational)
	srv.acme.SetIncident(nil)
	if err := waitIcon(ctx, t, item, "operational"); err != nil {
		t.Fatal(err)
	}
	notes, err = d.WaitNotifications(ctx, 2)
	if err != nil {
		t.Fatalf("no recovery notification: %v", err)
	}
	if r := notes[1]; r.Summary != "Acme Pay is back to normal" || !strings.Contains(r.Body, "The problem lasted") {
		t.Errorf("recovery notification = %q / %q", r.Summary, r.Body)
	}
	if err := srv.polled(ctx, 6); err != nil {
		t.Fatal(err)
	}
	if got := len(d.Notifications()); got != 2 {
		t.Fatalf("%d notifications in all, want exactly 2: %+v", got, d.Notifications())
	}
	if dir := os.Getenv("PAYWATCH_SCREENSHOT_DIR"); dir != "" {
		if err := d.Screenshot(filepath.Join(dir, "e2e-desktop.png")); err != nil {
			t.Log(err)
		}
	}

	// A second launch says so and adds no second icon.
	second := exec.Command(bin, "--config", srv.config(t))
	second.Env = d.Env()
	out, err := second.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "already running") {
		t.Errorf("second launch: err %v, output %q; want exit 0 saying it is already running", err, out)
	}
	if items := d.Items(); len(items) != 1 {
		t.Errorf("%d tray items after a second launch, want 1", len(items))
	}

	if err := clickUntil(ctx, item, "Quit", func() (bool, error) { return p.Exited(), nil }); err != nil {
		t.Fatalf("Quit did not quit: %v", err)
	}
	if err := p.Wait(ctx); err != nil {
		t.Fatalf("app did not quit cleanly: %v", err)
	}
	if strings.Contains(p.Output(), "Error in Fyne call thread") {
		t.Errorf("the app touched Fyne off its goroutine:\n%s", p.Output())
	}
	checkHistory(t, d, bin)
}

// checkHistory reads, with the real paywatch history command, what the run above left in the
// real history.db in the desktop's private state folder: the outage and recovery of Acme Pay,
// its incident with the text as published and its hash, both notifications.
func checkHistory(t *testing.T, d *desktoptest.Desktop, bin string) {
	t.Helper()
	db := filepath.Join(d.Home(), ".local", "state", "paywatch", "history.db")
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("no history: %v", err)
	}
	cmd := exec.Command(bin, "history", "acme-pay", "--json")
	cmd.Env = d.Env()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("paywatch history: %v\n%s", err, out)
	}
	var got struct {
		Events []struct {
			Kind, Service, Source, From, To, Title, Text, SHA256, Outcome string
		}
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("paywatch history --json: %v\n%s", err, out)
	}
	var rows []string
	for _, e := range got.Events {
		if e.Service != "Acme Pay" {
			t.Errorf("another service's event in Acme Pay's history: %+v", e)
		}
		switch {
		case e.Kind == "change" && e.Source == "" && e.From != "not_watched" && e.From != "unknown":
			rows = append(rows, e.From+" → "+e.To)
		case e.Kind == "incident":
			rows = append(rows, "incident "+e.Title)
			if !strings.Contains(e.Text, "found") || e.SHA256 != fmt.Sprintf("%x", sha256.Sum256([]byte(e.Text))) {
				t.Errorf("incident text %q with hash %s; want the update as published and its SHA-256", e.Text, e.SHA256)
			}
		case e.Kind == "incident_end":
			rows = append(rows, "ended "+e.Title)
		case e.Kind == "message":
			rows = append(rows, e.Outcome+" "+e.Title)
		}
	}
	want := []string{"operational → major_outage", "incident Card payments failing", "notified Acme Pay: Major outage",
		"major_outage → operational", "ended Card payments failing", "notified Acme Pay is back to normal"}
	if !slices.Equal(rows, want) {
		t.Errorf("history rows:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}

// dumpOnFailure asks a failed test's app for its goroutines (SIGQUIT) and logs its output.
func dumpOnFailure(t *testing.T, p *desktoptest.Process) {
	if !t.Failed() || p.Exited() {
		return
	}
	p.Signal(syscall.SIGQUIT)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p.Wait(ctx)
	t.Logf("app output:\n%s", p.Output())
}

// TestNoDisplay: with no display, or a DISPLAY where no X server answers (GLFW would panic
// there), the app prints one clear line and exits non-zero.
func TestNoDisplay(t *testing.T) {
	bin := binary(t)
	for _, tt := range []struct{ name, display, why string }{
		{"DISPLAY unset", "", "DISPLAY is not set"},
		{"nothing answers on DISPLAY", deadDisplay(t), "nothing answers on display"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin)
			cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "LANG=en_US.UTF-8", "XDG_RUNTIME_DIR=" + t.TempDir()}
			if tt.display != "" {
				cmd.Env = append(cmd.Env, "DISPLAY="+tt.display)
			}
			out, err := cmd.CombinedOutput()
			code := cmd.ProcessState.ExitCode()
			if err == nil || code == 0 {
				t.Fatalf("exit code %d with no display, want non-zero", code)
			}
			text := strings.TrimSpace(string(out))
			if strings.Count(text, "\n") != 0 || !strings.Contains(text, "no graphical session found") ||
				!strings.Contains(text, tt.why) || !strings.Contains(text, "paywatch status") {
				t.Errorf("output %q: want one line saying no graphical session found (%s) and pointing at paywatch status", out, tt.why)
			}
			if strings.Contains(text, "panic") || strings.Contains(text, "goroutine ") {
				t.Errorf("output has a panic or stack trace:\n%s", out)
			}
		})
	}
}

// deadDisplay is a display name where no X server listens.
func deadDisplay(t *testing.T) string {
	for n := 97; n < 200; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); os.IsNotExist(err) {
			return fmt.Sprintf(":%d", n)
		}
	}
	t.Fatal("no free display number")
	return ""
}

func TestNoTrayHostShowsWindow(t *testing.T) {
	bin := binary(t)
	srv := newStatusServer(t)
	d := startDesktop(t, desktoptest.WithoutWatcher())
	p := startApp(t, d, bin, "--config", srv.config(t))
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	if err := desktoptest.WaitFor(ctx, func() (bool, error) {
		return strings.Contains(p.Output(), "no system tray found; showing the status window"), nil
	}); err != nil {
		t.Fatalf("the app did not fall back to its window:\n%s", p.Output())
	}
	if p.Exited() {
		t.Fatalf("the app exited without a tray host:\n%s", p.Output())
	}
	p.Signal(os.Interrupt)
	if err := p.Wait(ctx); err != nil {
		t.Errorf("app did not stop on SIGINT: %v", err)
	}
}

func TestDemoStory(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo story takes about 20 s")
	}
	bin := binary(t)
	d := startDesktop(t)
	p := startApp(t, d, bin, "--demo")
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	item, err := d.WaitItem(ctx)
	if err != nil {
		t.Fatalf("tray item never registered: %v\n%s", err, p.Output())
	}
	if err := waitIcon(ctx, t, item, "operational"); err != nil {
		t.Fatal(err)
	}
	// Step one of the story, at 12 s: Acme Pay slows down (notified about 10 s later).
	if err := waitIcon(ctx, t, item, "degraded"); err != nil {
		t.Fatalf("%v\n%s", err, p.Output())
	}
	notes, err := d.WaitNotifications(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if notes[0].Summary != "Acme Pay: Degraded" {
		t.Errorf("first demo notification = %q, want Acme Pay: Degraded", notes[0].Summary)
	}
	if !strings.Contains(p.Output(), "Demo: Acme Pay: card payments slow down") {
		t.Errorf("the demo did not narrate its story:\n%s", p.Output())
	}
}

// TestLoginEntryStartsTray installs the login entry as a user would, then starts the app the
// way the desktop does at login, from the entry's Exec line, and checks it reaches the tray.
func TestLoginEntryStartsTray(t *testing.T) {
	bin := binary(t)
	srv := newStatusServer(t)
	d := startDesktop(t)
	cfg := srv.config(t)
	install := exec.Command(bin, "service", "install", "--config", cfg)
	install.Env = d.Env()
	out, err := install.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "start when you log in") {
		t.Fatalf("service install: %v\n%s", err, out)
	}
	entry, err := os.ReadFile(filepath.Join(d.Home(), ".config", "autostart", "paywatch.desktop"))
	if err != nil {
		t.Fatalf("no XDG autostart entry written: %v (install said %q)", err, out)
	}
	var execLine string
	for _, l := range strings.Split(string(entry), "\n") {
		if v, ok := strings.CutPrefix(l, "Exec="); ok {
			execLine = v
		}
	}
	argv := splitExec(execLine)
	if len(argv) == 0 || argv[0] != bin {
		t.Fatalf("Exec=%q does not start %s", execLine, bin)
	}
	p := startApp(t, d, argv[0], argv[1:]...)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	defer dumpOnFailure(t, p)
	item, err := d.WaitItem(ctx)
	if err != nil {
		t.Fatalf("the app started from the login entry never reached the tray: %v", err)
	}
	if err := waitIcon(ctx, t, item, "operational"); err != nil {
		t.Fatal(err)
	}
	if err := waitLoginTick(ctx, item, 1); err != nil {
		t.Fatalf("the menu does not show start at login as on: %v", err)
	}
	// Unticking it removes the entry, without quitting the app. A click that lands on an
	// entry replaced by a menu rebuild is lost, so it is repeated until the entry is gone.
	if err := clickUntil(ctx, item, "Start at login", func() (bool, error) {
		_, err := os.Stat(filepath.Join(d.Home(), ".config", "autostart", "paywatch.desktop"))
		return os.IsNotExist(err), nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := waitLoginTick(ctx, item, 0); err != nil {
		t.Fatalf("the menu still shows start at login as on: %v", err)
	}
	if _, err := os.Stat(filepath.Join(d.Home(), ".config", "autostart", "paywatch.desktop")); !os.IsNotExist(err) {
		t.Fatalf("the menu shows start at login as off, but the autostart entry is back (%v)", err)
	}
	if p.Exited() {
		t.Fatal("unticking Start at login quit the app")
	}
}

// clickUntil clicks a menu entry until done reports its effect. The app rebuilds its menu when
// what it shows changes, so a click can land on an entry that was just replaced and be lost.
// Clicking again is safe for entries whose effect is the same however often they are pressed,
// and for a toggle whose effect done sees within the 5 s each click is given.
func clickUntil(ctx context.Context, item *desktoptest.Item, label string, done func() (bool, error)) error {
	var last error
	for range 5 {
		if err := item.ClickMenu(label); err != nil {
			last = err
		}
		try, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := desktoptest.WaitFor(try, done)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	return fmt.Errorf("clicked %q five times without effect (last click error: %v)", label, last)
}

// waitLoginTick waits for the "Start at login" entry to be enabled with the given tick. Fyne
// exports a ticked entry as a checkmark item and an unticked one as a plain item.
func waitLoginTick(ctx context.Context, item *desktoptest.Item, state int) error {
	return desktoptest.WaitFor(ctx, func() (bool, error) {
		root, err := item.MenuLayout()
		if err != nil {
			return false, nil
		}
		n, ok := root.Find("Start at login")
		if !ok || !n.Enabled {
			return false, nil
		}
		if state == 1 {
			return n.ToggleType == "checkmark" && n.ToggleState == 1, nil
		}
		return n.ToggleType == "" || n.ToggleState == 0, nil
	})
}

// splitExec splits a desktop entry Exec value: words separated by spaces, double quotes group.
func splitExec(s string) []string {
	var out []string
	var cur strings.Builder
	inQuote, have := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && inQuote && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case c == '"':
			inQuote, have = !inQuote, true
		case c == ' ' && !inQuote:
			if have {
				out = append(out, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteByte(c)
			have = true
		}
	}
	if have {
		out = append(out, cur.String())
	}
	return out
}

// TestTeamChannelAndSnooze: a local webhook receiver gets exactly one message per change, the
// same as the desktop, and neither gets anything while notifications are snoozed from the menu.
func TestTeamChannelAndSnooze(t *testing.T) {
	bin := binary(t)
	srv := newStatusServer(t)
	var mu sync.Mutex
	var hooks []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		hooks = append(hooks, string(b))
		mu.Unlock()
	}))
	defer hook.Close()
	hookCount := func() int { mu.Lock(); defer mu.Unlock(); return len(hooks) }
	sink := smtpsink.New(t)
	mailCount := func() int { return len(sink.Mails()) }
	cfg := srv.config(t)
	extra := fmt.Sprintf("channels:\n  - name: Team webhook\n    url: generic+%s/hook?token=s3cr3t-t0ken\n  - name: Office mail\n    url: %s\n",
		hook.URL, sink.URL("paywatch@shop.example", "books@shop.example"))
	f, err := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(extra)
	f.Close()

	d := startDesktop(t)
	p := startApp(t, d, bin, "--config", cfg)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	defer dumpOnFailure(t, p)
	item, err := d.WaitItem(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := waitIcon(ctx, t, item, "operational"); err != nil {
		t.Fatal(err)
	}
	waitBoth := func(n int) {
		t.Helper()
		if _, err := d.WaitNotifications(ctx, n); err != nil {
			t.Fatalf("desktop notifications: %v", err)
		}
		if err := desktoptest.WaitFor(ctx, func() (bool, error) { return hookCount() >= n, nil }); err != nil {
			t.Fatalf("webhook got %d messages, want %d", hookCount(), n)
		}
		if err := desktoptest.WaitFor(ctx, func() (bool, error) { return mailCount() >= n, nil }); err != nil {
			t.Fatalf("mail sink got %d messages, want %d", mailCount(), n)
		}
	}
	srv.acme.Set("Card payments", demo.Major)
	waitBoth(1)
	mu.Lock()
	first := hooks[0]
	mu.Unlock()
	if !strings.Contains(first, "Acme Pay: Major outage") {
		t.Errorf("webhook message = %q, want the outage title", first)
	}
	if m := sink.Mails()[0]; !strings.Contains(m.Msg.Header.Get("Subject"), "Acme Pay: Major outage") {
		t.Errorf("mail subject = %q, want the outage title", m.Msg.Header.Get("Subject"))
	}
	srv.acme.SetAll(demo.Operational)
	waitBoth(2)
	if err := srv.polled(ctx, 6); err != nil {
		t.Fatal(err)
	}
	if n, h, m := len(d.Notifications()), hookCount(), mailCount(); n != 2 || h != 2 || m != 2 {
		t.Fatalf("after an outage and its recovery: %d desktop, %d webhook, %d mail messages; want 2 of each", n, h, m)
	}
	if strings.Contains(p.Output(), "s3cr3t-t0ken") {
		t.Error("the channel's token appears in the app's log")
	}

	// Snooze everything from the menu; a new outage then says nothing anywhere.
	paused := func() (bool, error) {
		labels, err := item.MenuLabels()
		return err == nil && slices.ContainsFunc(labels, func(l string) bool { return strings.HasPrefix(l, "Notifications paused until") }), nil
	}
	if err := clickUntil(ctx, item, "For 1 hour", paused); err != nil {
		t.Fatalf("snoozing from the menu did not pause notifications: %v", err)
	}
	srv.bank.Set("Online banking", demo.Major)
	if err := waitIcon(ctx, t, item, "major_outage"); err != nil {
		t.Fatal(err)
	}
	if err := srv.polled(ctx, 6); err != nil {
		t.Fatal(err)
	}
	if n, h, m := len(d.Notifications()), hookCount(), mailCount(); n != 2 || h != 2 || m != 2 {
		t.Fatalf("while snoozed: %d desktop, %d webhook, %d mail messages; want still 2 of each", n, h, m)
	}
}

// TestNoDisplayAtLogin: started by the login entry before any display exists, the app waits a
// little, then exits cleanly with one log line, so a service manager does not restart it in a loop.
func TestNoDisplayAtLogin(t *testing.T) {
	bin := binary(t)
	home := t.TempDir()
	cmd := exec.Command(bin, "--wait-display=1s")
	cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "LANG=en_US.UTF-8", "XDG_RUNTIME_DIR=" + t.TempDir(), "XDG_CACHE_HOME=" + filepath.Join(home, "cache")}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("exit %v with no display at login, want 0 (no restart loop)\n%s", err, out)
	}
	if text := strings.TrimSpace(string(out)); strings.Count(text, "\n") != 0 || !strings.Contains(text, "no graphical session found at login") {
		t.Errorf("output %q, want the one log line", out)
	}
	logged, err := os.ReadFile(filepath.Join(home, "cache", "paywatch", "paywatch.log"))
	if err != nil || strings.Count(string(logged), "no graphical session found at login") != 1 {
		t.Errorf("log file (%v) = %q, want one line saying there was no graphical session", err, logged)
	}
}

// TestDisplayAppearsAtLogin: started at login before the desktop has published its display, the
// app waits, finds the display in the service manager's environment once the session puts it
// there (a stand-in systemctl answers show-environment), and reaches the tray.
func TestDisplayAppearsAtLogin(t *testing.T) {
	bin := binary(t)
	srv := newStatusServer(t)
	stub := t.TempDir()
	published := filepath.Join(stub, "session.env")
	asked := filepath.Join(stub, "asked")
	script := "#!/bin/sh\n[ \"$1 $2\" = \"--user show-environment\" ] || exit 1\ntouch " + asked + "\n[ -f " + published + " ] && cat " + published + "\nexit 0\n"
	if err := os.WriteFile(filepath.Join(stub, "systemctl"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	d := startDesktop(t, desktoptest.WithEnv("DISPLAY=", "PATH="+stub+":"+os.Getenv("PATH")))
	p := startApp(t, d, bin, "--wait-display=60s", "--config", srv.config(t))
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	defer dumpOnFailure(t, p)
	// The app is waiting: it has asked the service manager for the session's display.
	if err := desktoptest.WaitFor(ctx, func() (bool, error) {
		_, err := os.Stat(asked)
		return err == nil, nil
	}); err != nil {
		t.Fatalf("the app never looked for the session's display: %v", err)
	}
	if p.Exited() {
		t.Fatalf("the app gave up at once instead of waiting for the display:\n%s", p.Output())
	}
	if err := os.WriteFile(published, []byte("PATH=/usr/bin\nDISPLAY="+d.Display()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	item, err := d.WaitItem(ctx)
	if err != nil {
		t.Fatalf("the app never reached the tray once the display was published: %v", err)
	}
	if err := waitIcon(ctx, t, item, "operational"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Output(), "graphical session found") {
		t.Errorf("the app did not log the display it found:\n%s", p.Output())
	}
}

// TestPlainLocaleIsQuiet: on a machine with the C locale, Fyne's "Error parsing user locale C"
// (printed from its package init) never reaches the user.
func TestPlainLocaleIsQuiet(t *testing.T) {
	bin := binary(t)
	for _, env := range []string{"LANG=C", "LC_ALL=POSIX", "LANG=C.UTF-8"} {
		cmd := exec.Command(bin, "catalog", "amex")
		cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), env}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s paywatch catalog amex: %v\n%s", env, err, out)
		}
		if strings.Contains(string(out), "locale") || strings.Contains(string(out), "Fyne error") {
			t.Errorf("%s: output has Fyne's locale complaint:\n%s", env, out)
		}
		if !strings.Contains(string(out), "American Express") {
			t.Errorf("%s: output lacks the catalog entry:\n%s", env, out)
		}
	}
}
