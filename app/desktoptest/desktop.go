//go:build linux

package desktoptest

import (
	"bufio"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// Default screen geometry of the Xvfb server.
const (
	DefaultScreen = "1024x768x24"

	startupTimeout = 30 * time.Second
	// callTimeout bounds every single D-Bus call made by the helpers.
	callTimeout = 5 * time.Second
	// menuSettle bounds how long ClickMenu waits for a missing entry to reappear while the
	// program rebuilds its menu.
	menuSettle = 3 * time.Second
)

// Option configures Start.
type Option func(*config)

type config struct {
	watcher       bool
	notifications bool
	screen        string
	extraEnv      []string
	raceDir       string // WithRaceLog
}

// WithoutWatcher starts the desktop without an org.kde.StatusNotifierWatcher,
// i.e. like a GNOME session without the AppIndicator extension. The watcher
// can be started later with (*Desktop).StartWatcher.
func WithoutWatcher() Option { return func(c *config) { c.watcher = false } }

// WithoutNotificationServer starts the desktop without an
// org.freedesktop.Notifications server (Notify calls fail with
// org.freedesktop.DBus.Error.ServiceUnknown, as on a desktop without a
// notification daemon).
func WithoutNotificationServer() Option { return func(c *config) { c.notifications = false } }

// WithScreen sets the Xvfb screen geometry, e.g. "800x600x24".
func WithScreen(geometry string) Option { return func(c *config) { c.screen = geometry } }

// WithEnv adds KEY=VALUE entries to Env (they override the defaults).
func WithEnv(kv ...string) Option {
	return func(c *config) { c.extraEnv = append(c.extraEnv, kv...) }
}

// Desktop is a private X display plus session bus. The test process owns the
// bus connection used to provide the tray watcher and notification server.
type Desktop struct {
	cfg        config
	display    string // ":N"
	busAddr    string
	home       string
	runtimeDir string

	xvfb *proc
	bus  *proc
	conn *dbus.Conn

	mu      sync.Mutex
	watcher *watcher
	notif   *notificationServer
	signals *signalHub
	closed  bool
}

// Start starts Xvfb and a private dbus-daemon and, unless disabled by options,
// exports the StatusNotifierWatcher and the notification server on that bus.
// Everything is stopped in t.Cleanup.
//
// If Xvfb or dbus-daemon is missing the test is skipped, or fails when the
// environment variable CI is set.
func Start(t testing.TB, opts ...Option) *Desktop {
	t.Helper()
	cfg := config{watcher: true, notifications: true, screen: DefaultScreen}
	for _, o := range opts {
		o(&cfg)
	}
	xvfbPath := requireTool(t, "Xvfb", "xvfb")
	dbusPath := requireTool(t, "dbus-daemon", "dbus-daemon")

	d := &Desktop{cfg: cfg, home: t.TempDir()}
	// XDG_RUNTIME_DIR holds the bus socket: keep the path short (sun_path is
	// limited to 108 bytes, t.TempDir paths contain the test name).
	rt, err := os.MkdirTemp("", "desktoptest-run-")
	if err != nil {
		t.Fatalf("desktoptest: %v", err)
	}
	d.runtimeDir = rt
	t.Cleanup(func() {
		d.close()
		if t.Failed() {
			d.logDaemons(t)
		}
	})
	if cfg.raceDir != "" {
		// Registered after the desktop's own cleanup, so it runs before it, but after the
		// cleanups of the programs started on the desktop (StartApp), which stop them.
		t.Cleanup(func() { checkRaces(t, cfg.raceDir, mainModule()) })
	}
	if err := os.Chmod(rt, 0o700); err != nil {
		t.Fatalf("desktoptest: %v", err)
	}
	for _, dir := range []string{".config", ".cache", ".local/state", ".local/share"} {
		if err := os.MkdirAll(filepath.Join(d.home, dir), 0o700); err != nil {
			t.Fatalf("desktoptest: %v", err)
		}
	}

	if err := d.startXvfb(xvfbPath); err != nil {
		d.logDaemons(t)
		t.Fatalf("desktoptest: %v", err)
	}
	if err := d.startBus(dbusPath); err != nil {
		d.logDaemons(t)
		t.Fatalf("desktoptest: %v", err)
	}
	conn, err := dbus.Connect(d.busAddr)
	if err != nil {
		t.Fatalf("desktoptest: connect to private bus: %v", err)
	}
	d.conn = conn
	d.signals, err = newSignalHub(conn)
	if err != nil {
		t.Fatalf("desktoptest: %v", err)
	}
	if cfg.notifications {
		s, err := exportNotificationServer(conn)
		if err != nil {
			t.Fatalf("desktoptest: %v", err)
		}
		d.notif = s
	}
	if cfg.watcher {
		if err := d.StartWatcher(); err != nil {
			t.Fatalf("desktoptest: %v", err)
		}
	}
	t.Logf("desktoptest: DISPLAY=%s DBUS_SESSION_BUS_ADDRESS=%s", d.display, d.busAddr)
	return d
}

// requireTool returns the path of an executable, or skips (fails in CI) the
// test when it is missing.
func requireTool(t testing.TB, name, debPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	msg := fmt.Sprintf("desktoptest: %s not found in PATH; install the Debian package %q", name, debPackage)
	if inCI() {
		t.Fatal(msg + " (CI is set, refusing to skip)")
	}
	t.Skip(msg)
	return ""
}

func inCI() bool {
	v, ok := os.LookupEnv("CI")
	if !ok {
		return false
	}
	v = strings.ToLower(strings.TrimSpace(v))
	return v != "" && v != "false" && v != "0"
}

func (d *Desktop) startXvfb(path string) error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	// No display number: with -displayfd the server picks the first free
	// one and writes it to fd 3 once it accepts connections.
	cmd := exec.Command(path, "-displayfd", "3", "-screen", "0", d.cfg.screen,
		"-nolisten", "tcp", "-noreset")
	cmd.ExtraFiles = []*os.File{w}
	cmd.Env = baseEnv()
	p, err := startProc("Xvfb", cmd)
	w.Close()
	if err != nil {
		return err
	}
	d.xvfb = p
	line, err := readLine(r, p, startupTimeout)
	if err != nil {
		return fmt.Errorf("Xvfb did not report its display: %w", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		return fmt.Errorf("Xvfb reported display %q: %v", line, err)
	}
	d.display = ":" + strconv.Itoa(n)
	return nil
}

const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

func (d *Desktop) startBus(path string) error {
	// Own configuration instead of --session: the system session.conf
	// enables service activation, so a missing notification server would be
	// replaced by an activated dunst (or similar) from /usr/share/dbus-1.
	var sock strings.Builder
	if err := xml.EscapeText(&sock, []byte(filepath.Join(d.runtimeDir, "bus"))); err != nil {
		return err
	}
	confPath := filepath.Join(d.runtimeDir, "bus.conf")
	if err := os.WriteFile(confPath, []byte(fmt.Sprintf(busConfig, sock.String())), 0o600); err != nil {
		return err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	cmd := exec.Command(path, "--config-file="+confPath, "--nofork", "--nopidfile", "--print-address=3")
	cmd.ExtraFiles = []*os.File{w}
	cmd.Env = baseEnv()
	p, err := startProc("dbus-daemon", cmd)
	w.Close()
	if err != nil {
		return err
	}
	d.bus = p
	line, err := readLine(r, p, startupTimeout)
	if err != nil {
		return fmt.Errorf("dbus-daemon did not print its address: %w", err)
	}
	d.busAddr = strings.TrimSpace(line)
	if d.busAddr == "" {
		return errors.New("dbus-daemon printed an empty address")
	}
	return nil
}

// readLine reads one line from r, giving up when p exits or after timeout.
func readLine(r *os.File, p *proc, timeout time.Duration) (string, error) {
	type result struct {
		s   string
		err error
	}
	ch := make(chan result, 1)
	go func() {
		s, err := bufio.NewReader(r).ReadString('\n')
		ch <- result{s, err}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case res := <-ch:
		if res.err != nil && res.s == "" {
			return "", fmt.Errorf("%v (exit: %v)", res.err, p.exitErr())
		}
		return res.s, nil
	case <-p.done:
		// The pipe may still hold the line, give the reader a moment.
		select {
		case res := <-ch:
			if res.s != "" {
				return res.s, nil
			}
		case <-time.After(100 * time.Millisecond):
		}
		return "", fmt.Errorf("%s exited: %v", p.name, p.exitErr())
	case <-timer.C:
		r.Close() // unblocks the reader
		return "", fmt.Errorf("timed out after %v", timeout)
	}
}

// close stops the services and the daemons. Safe to call twice.
func (d *Desktop) close() {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	d.closed = true
	d.mu.Unlock()
	if d.conn != nil {
		d.conn.Close()
	}
	if d.bus != nil {
		d.bus.stop(3 * time.Second)
	}
	if d.xvfb != nil {
		d.xvfb.stop(3 * time.Second)
	}
	if d.runtimeDir != "" {
		os.RemoveAll(d.runtimeDir)
	}
}

func (d *Desktop) logDaemons(t testing.TB) {
	for _, p := range []*proc{d.xvfb, d.bus} {
		if p != nil && p.out.Len() > 0 {
			t.Logf("desktoptest: %s output:\n%s", p.name, p.out.String())
		}
	}
}

// Display returns the X display, e.g. ":3".
func (d *Desktop) Display() string { return d.display }

// BusAddress returns the private session bus address.
func (d *Desktop) BusAddress() string { return d.busAddr }

// Home returns the temporary HOME directory used in Env.
func (d *Desktop) Home() string { return d.home }

// RuntimeDir returns XDG_RUNTIME_DIR (mode 0700, removed in cleanup).
func (d *Desktop) RuntimeDir() string { return d.runtimeDir }

// Conn returns the test's own connection to the private session bus.
func (d *Desktop) Conn() *dbus.Conn { return d.conn }

// Env returns the environment for programs run on this desktop: the test's
// environment without any session variables (DISPLAY, WAYLAND_DISPLAY, XDG_*,
// DBUS_SESSION_BUS_ADDRESS, HOME, locale, ...) plus DISPLAY,
// DBUS_SESSION_BUS_ADDRESS, a temporary HOME, XDG_RUNTIME_DIR,
// XDG_CONFIG_HOME/XDG_CACHE_HOME/XDG_STATE_HOME/XDG_DATA_HOME under HOME,
// XDG_SESSION_TYPE=x11 and LANG=en_US.UTF-8, GORACE for WithRaceLog, then the WithEnv
// entries.
func (d *Desktop) Env() []string {
	env := baseEnv()
	env = append(env,
		"DISPLAY="+d.display,
		"DBUS_SESSION_BUS_ADDRESS="+d.busAddr,
		"HOME="+d.home,
		"XDG_RUNTIME_DIR="+d.runtimeDir,
		"XDG_CONFIG_HOME="+filepath.Join(d.home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(d.home, ".cache"),
		"XDG_STATE_HOME="+filepath.Join(d.home, ".local/state"),
		"XDG_DATA_HOME="+filepath.Join(d.home, ".local/share"),
		"XDG_SESSION_TYPE=x11",
		"LANG=en_US.UTF-8",
	)
	if d.cfg.raceDir != "" {
		env = append(env, raceEnv(d.cfg.raceDir))
	}
	return append(env, d.cfg.extraEnv...)
}

// baseEnv is os.Environ without anything that ties a process to the
// developer's real session.
func baseEnv() []string {
	drop := map[string]bool{
		"DISPLAY": true, "WAYLAND_DISPLAY": true, "XAUTHORITY": true,
		"DBUS_SESSION_BUS_ADDRESS": true, "DBUS_STARTER_ADDRESS": true, "DBUS_STARTER_BUS_TYPE": true,
		"HOME": true, "LANG": true, "LANGUAGE": true,
		"SESSION_MANAGER": true, "DESKTOP_SESSION": true, "GDMSESSION": true,
		"GNOME_DESKTOP_SESSION_ID": true, "KDE_FULL_SESSION": true, "KDE_SESSION_VERSION": true,
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if drop[k] || strings.HasPrefix(k, "XDG_") || strings.HasPrefix(k, "LC_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// Command returns an exec.Cmd running name on this desktop (Env set). The
// caller is responsible for stopping it; StartApp does that for you.
func (d *Desktop) Command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = d.Env()
	return cmd
}

// Screenshot saves the whole X screen to path (PNG if path ends in .png)
// using ImageMagick's import.
func (d *Desktop) Screenshot(path string) error {
	bin, err := exec.LookPath("import")
	if err != nil {
		return fmt.Errorf("desktoptest: screenshot needs ImageMagick's import (Debian package imagemagick): %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), startupTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-display", d.display, "-window", "root", path)
	cmd.Env = d.Env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("desktoptest: import -window root: %v: %s", err, out)
	}
	return nil
}

// NameHasOwner reports whether name is currently owned on the private bus.
func (d *Desktop) NameHasOwner(name string) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	var has bool
	err := d.conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has)
	return has, err
}

// ListNames lists the names on the private bus.
func (d *Desktop) ListNames() ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	var names []string
	err := d.conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.ListNames", 0).Store(&names)
	return names, err
}

// connectionPID returns the process ID owning a bus name.
func (d *Desktop) connectionPID(ctx context.Context, name string) (uint32, error) {
	var pid uint32
	err := d.conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.GetConnectionUnixProcessID", 0, name).Store(&pid)
	return pid, err
}
