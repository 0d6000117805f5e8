//go:build linux

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/app/desktoptest"
)

// xdotool runs xdotool on the test's display.
func xdotool(d *desktoptest.Desktop, args ...string) (string, error) {
	out, err := d.Command("xdotool", args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// waitWindow waits for a visible window whose title matches re and returns its X id.
func waitWindow(ctx context.Context, d *desktoptest.Desktop, re string) (string, error) {
	var id string
	err := desktoptest.WaitFor(ctx, func() (bool, error) {
		out, err := xdotool(d, "search", "--onlyvisible", "--name", re)
		if err != nil || out == "" {
			return false, nil // xdotool search exits 1 while nothing matches
		}
		id = strings.Fields(out)[0]
		return true, nil
	})
	return id, err
}

// screenshotWindow saves one window, for the README, when PAYWATCH_SCREENSHOT_DIR is set.
func screenshotWindow(t *testing.T, d *desktoptest.Desktop, id, name string) {
	dir := os.Getenv("PAYWATCH_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	if out, err := d.Command("import", "-window", id, filepath.Join(dir, name)).CombinedOutput(); err != nil {
		t.Logf("screenshot %s: %v %s", name, err, out)
	}
}

// TestSettingsWindowAddsAService opens Settings… from the tray menu of the real app, types a
// local status page's address into the real window (xdotool), adds it with Enter, and sees the
// new service in the settings file and in the tray menu, without a restart.
func TestSettingsWindowAddsAService(t *testing.T) {
	if _, err := exec.LookPath("xdotool"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("xdotool is missing (Debian package xdotool; make deps-test installs it)")
		}
		t.Skip("xdotool is missing (Debian package xdotool; make deps-test installs it)")
	}
	bin := binary(t)
	srv := newStatusServer(t)
	cfg := filepath.Join(t.TempDir(), "paywatch.yaml")
	hand := fmt.Sprintf("# written by hand\nconnectivity:\n  canaries: [%[1]s/canary]\nservices:\n  - name: Acme Pay   # our acquirer\n    url: %[1]s/acmepay00001\n    platform: statuspage\n    interval: 1s\n", srv.URL)
	if err := os.WriteFile(cfg, []byte(hand), 0o600); err != nil {
		t.Fatal(err)
	}
	d := startDesktop(t)
	p := startApp(t, d, bin, "--config", cfg)
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	defer dumpOnFailure(t, p)

	item, err := d.WaitItem(ctx)
	if err != nil {
		t.Fatalf("tray item never registered: %v", err)
	}
	if err := waitLabel(ctx, item, "Acme Pay — Operational"); err != nil {
		t.Fatal(err)
	}
	if err := item.ClickMenu("Settings…"); err != nil {
		t.Fatal(err)
	}
	win, err := waitWindow(ctx, d, "Paywatch.*settings")
	if err != nil {
		t.Fatalf("the settings window never showed: %v", err)
	}
	if out, err := xdotool(d, "windowfocus", "--sync", win); err != nil {
		t.Fatalf("focus the settings window: %v %s", err, out)
	}
	// The search box has the focus; an address there is read on Enter and added on the next.
	address := srv.URL + "/northwind001"
	if out, err := xdotool(d, "type", "--delay", "30", address); err != nil {
		t.Fatalf("type: %v %s", err, out)
	}
	added := func() (bool, error) {
		b, err := os.ReadFile(cfg)
		return strings.Contains(string(b), "northwind001"), err
	}
	err = desktoptest.WaitFor(ctx, func() (bool, error) {
		if ok, err := added(); ok || err != nil {
			return ok, err
		}
		// Enter is ignored while the look-up runs; once the page's name shows, it adds it.
		if out, err := xdotool(d, "key", "Return"); err != nil {
			return false, fmt.Errorf("key Return: %v %s", err, out)
		}
		try, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		desktoptest.WaitFor(try, added)
		return added()
	})
	if err != nil {
		b, _ := os.ReadFile(cfg)
		t.Fatalf("the service was never added: %v\nsettings file:\n%s", err, b)
	}
	screenshotWindow(t, d, win, "settings.png")
	b, _ := os.ReadFile(cfg)
	// The endpoint detection found is written, as `paywatch detect` suggests.
	want := hand + "  - name: Northwind Bank\n    url: " + address + "/api/v2/summary.json\n    platform: statuspage\n"
	if string(b) != want {
		t.Errorf("settings file:\n%s\nwant:\n%s", b, want)
	}
	// Applied without a restart: the tray menu lists it, checked.
	if err := waitLabel(ctx, item, "Northwind Bank — Operational"); err != nil {
		t.Fatal(err)
	}
	if err := waitLabel(ctx, item, "Acme Pay — Operational"); err != nil {
		t.Fatal(err)
	}
	if err := clickUntil(ctx, item, "Quit", func() (bool, error) { return p.Exited(), nil }); err != nil {
		t.Fatalf("Quit did not quit: %v", err)
	}
	if strings.Contains(p.Output(), "Error in Fyne call thread") {
		t.Errorf("the app touched Fyne off its goroutine:\n%s", p.Output())
	}
}

// TestWelcomeOnFirstStart: with no settings file, the first start opens the welcome window and
// watches nothing until it is done; clicking Done (in the real window) writes the settings file
// with the built-in list and starts watching it.
func TestWelcomeOnFirstStart(t *testing.T) {
	bin := binary(t)
	// The built-in list is watched once Done is clicked: its requests go to a proxy address
	// where nothing listens, so nothing leaves this machine.
	d := startDesktop(t, desktoptest.WithEnv("HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9"))
	p := startApp(t, d, bin)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	defer dumpOnFailure(t, p)
	win, err := waitWindow(ctx, d, "Welcome to Paywatch")
	if err != nil {
		t.Fatalf("no welcome window: %v\n%s", err, p.Output())
	}
	item, err := d.WaitItem(ctx)
	if err != nil {
		t.Fatalf("tray item never registered: %v", err)
	}
	if err := waitLabel(ctx, item, "Settings…"); err != nil {
		t.Fatal(err)
	}
	screenshotWindow(t, d, win, "welcome.png")
	if strings.Contains(p.Output(), "settings applied") {
		t.Errorf("the watch started before the welcome was done:\n%s", p.Output())
	}
	settings := filepath.Join(d.Home(), ".config", "paywatch", "config.yaml")
	if _, err := os.Stat(settings); err == nil {
		t.Fatal("a settings file exists before Done")
	}

	// Done sits in the window's bottom right-hand corner.
	geo, err := xdotool(d, "getwindowgeometry", "--shell", win)
	if err != nil {
		t.Fatalf("window geometry: %v %s", err, geo)
	}
	var w, h int
	for _, l := range strings.Fields(geo) {
		fmt.Sscanf(l, "WIDTH=%d", &w)
		fmt.Sscanf(l, "HEIGHT=%d", &h)
	}
	written := func() (bool, error) { _, err := os.Stat(settings); return err == nil, nil }
	err = desktoptest.WaitFor(ctx, func() (bool, error) {
		if ok, _ := written(); ok {
			return true, nil
		}
		if out, err := xdotool(d, "mousemove", "--window", win, fmt.Sprint(w-30), fmt.Sprint(h-22), "click", "1"); err != nil {
			return false, fmt.Errorf("click Done: %v %s", err, out)
		}
		try, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		desktoptest.WaitFor(try, written)
		return written()
	})
	if err != nil {
		t.Fatalf("Done never wrote the settings file: %v\n%s", err, p.Output())
	}
	b, _ := os.ReadFile(settings)
	for _, id := range []string{"amex", "visa", "mastercard", "paypal", "stripe", "square"} {
		if !strings.Contains(string(b), "  - catalog: "+id+"\n") {
			t.Errorf("settings file lacks %s:\n%s", id, b)
		}
	}
	if err := waitLabel(ctx, item, "American Express — "); err != nil {
		t.Fatal(err)
	}
	if err := desktoptest.WaitFor(ctx, func() (bool, error) { return strings.Contains(p.Output(), "settings applied"), nil }); err != nil {
		t.Errorf("the watch did not start with the new settings:\n%s", p.Output())
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(settings), ".welcome-done")); err != nil {
		t.Errorf("nothing keeps the welcome from opening again: %v", err)
	}
	if err := clickUntil(ctx, item, "Quit", func() (bool, error) { return p.Exited(), nil }); err != nil {
		t.Fatalf("Quit did not quit: %v", err)
	}
}
