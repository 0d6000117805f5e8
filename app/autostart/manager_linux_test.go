package autostart

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kardianos/service"
)

// These tests change kardianos' global choice of service system: no
// t.Parallel here.

// forced makes a kardianos system detectable on a machine without it.
type forced struct{ service.System }

func (forced) Detect() bool { return true }

// kardianosSystems are the systems kardianos knows, before any test forces one.
var kardianosSystems = service.AvailableSystems()

// forceSystem makes kardianos use the named system for the test.
func forceSystem(t *testing.T, name string) {
	t.Helper()
	saved := service.AvailableSystems()
	for _, s := range kardianosSystems {
		if s.String() == name {
			service.ChooseSystem(forced{s})
			t.Cleanup(func() { service.ChooseSystem(saved...) })
			return
		}
	}
	t.Fatalf("kardianos has no %s system", name)
}

// machine is a temporary home with a stub systemctl that records its calls
// and keeps the state of one unit, paywatch.service, in files.
type machine struct {
	home  string
	state string // the stub's state files
	log   string // one call per line, without "systemctl"
}

const stubSystemctl = `#!/bin/sh
S=%STATE%
echo "$*" >> %LOG%
for f in "$S"/fail-*; do
	[ -e "$f" ] || continue
	case "$*" in "${f##*/fail-} "*) echo "Failed to connect to bus: No medium found" >&2; exit 1;; esac
done
case "$*" in
"--user is-active graphical-session.target")
	cat "$S/session"; [ "$(cat "$S/session")" = active ] || exit 3;;
"--user is-enabled paywatch.service")
	if [ -e "$S/enabled" ]; then echo enabled; else echo disabled; exit 1; fi;;
"enable --user paywatch.service") touch "$S/enabled";;
"disable --user paywatch.service") rm -f "$S/enabled";;
"daemon-reload --user") ;;
"start --user paywatch.service") touch "$S/active";;
"stop --user paywatch.service") rm -f "$S/active";;
"is-active paywatch.service --user")
	if [ -e "$S/active" ]; then echo active; else echo inactive; exit 3; fi;;
"list-unit-files -t service paywatch.service --user")
	if [ -e "$HOME/.config/systemd/user/paywatch.service" ]; then
		echo "UNIT FILE STATE PRESET"; echo "paywatch.service enabled enabled"; echo; echo "1 unit files listed."
	else
		echo "0 unit files listed."; exit 1
	fi;;
"is-active paywatch.service") echo inactive; exit 3;;
"list-unit-files -t service paywatch.service") echo "0 unit files listed."; exit 1;;
"is-enabled paywatch.service") echo "Failed to get unit file state for paywatch.service: No such file or directory" >&2; exit 1;;
*) echo "stub systemctl: unexpected call: $*" >&2; exit 1;;
esac
`

// newMachine sets up the machine. desktop is XDG_CURRENT_DESKTOP; session
// is what `systemctl --user is-active graphical-session.target` answers.
func newMachine(t *testing.T, desktop, session string) *machine {
	t.Helper()
	m := &machine{home: t.TempDir(), state: t.TempDir()}
	bin := t.TempDir()
	m.log = filepath.Join(m.state, "calls")
	script := strings.NewReplacer("%STATE%", m.state, "%LOG%", m.log).Replace(stubSystemctl)
	if err := os.WriteFile(filepath.Join(bin, "systemctl"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(m.state, "session"), []byte(session+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", m.home)
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("XDG_CURRENT_DESKTOP", desktop)
	t.Setenv("SUDO_USER", "")
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	forceSystem(t, "linux-systemd")
	return m
}

// calls returns the systemctl calls since the last time and forgets them.
func (m *machine) calls(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(m.log)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(m.log); err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

func (m *machine) fail(t *testing.T, verb string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(m.state, "fail-"+verb), nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

// files lists the regular files under the home folder, relative to it.
func (m *machine) files(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(m.home, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(m.home, path)
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func trayOptions() Options {
	return Options{Executable: "/opt/Pay Watch/paywatch", Args: []string{"run"}}
}

func newManager(t *testing.T, o Options) *Manager {
	t.Helper()
	m, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

type step struct {
	action string
	out    string
	calls  []string
}

// runSteps runs each action through Command and checks what it printed
// and which systemctl calls it made.
func runSteps(t *testing.T, mc *machine, m *Manager, steps []step) {
	t.Helper()
	for _, s := range steps {
		var out bytes.Buffer
		if err := Command(s.action, m, &out); err != nil {
			t.Fatalf("%s: %v", s.action, err)
		}
		if got := strings.TrimSuffix(out.String(), "\n"); got != s.out {
			t.Errorf("%s printed\n  %q\nwant\n  %q", s.action, got, s.out)
		}
		if got := mc.calls(t); !slices.Equal(got, s.calls) {
			t.Errorf("%s called systemctl with\n  %q\nwant\n  %q", s.action, got, s.calls)
		}
	}
}

func TestSystemdUserUnit(t *testing.T) {
	mc := newMachine(t, "GNOME", "active")
	o := trayOptions()
	m := newManager(t, o)
	const where = "systemd user unit ~/.config/systemd/user/paywatch.service"
	unitPath := filepath.Join(mc.home, ".config/systemd/user/paywatch.service")

	runSteps(t, mc, m, []step{
		{"status", "Paywatch is not set to start at login.", []string{
			"--user is-active graphical-session.target",
			"is-active paywatch.service --user", "list-unit-files -t service paywatch.service --user",
		}},
		{"install", "Paywatch will now start when you log in (" + where + ").", []string{
			"enable --user paywatch.service", "daemon-reload --user",
		}},
	})
	if got, want := readFile(t, unitPath), RenderSystemdUnit(o); got != want {
		t.Errorf("unit file:\n%s\nwant:\n%s", got, want)
	}
	const unit = `[Unit]
Description=Paywatch: Shows whether card and payment services are working
PartOf=graphical-session.target
After=graphical-session.target

[Service]
ExecStart=/opt/Pay\x20Watch/paywatch run
Restart=on-failure
RestartSec=5

[Install]
WantedBy=graphical-session.target
`
	if got := readFile(t, unitPath); got != unit {
		t.Errorf("unit file:\n%s\nwant:\n%s", got, unit)
	}

	runSteps(t, mc, m, []step{
		{"install", "Paywatch is already set to start at login (" + where + ").", []string{
			"--user is-enabled paywatch.service",
		}},
		{"status", "Paywatch is stopped. It starts when you log in (" + where + ").", []string{
			"--user is-enabled paywatch.service",
			"is-active paywatch.service --user", "list-unit-files -t service paywatch.service --user",
		}},
		{"start", "Paywatch is running.", []string{
			"--user is-enabled paywatch.service",
			"is-active paywatch.service --user", "list-unit-files -t service paywatch.service --user",
			"start --user paywatch.service",
		}},
		{"start", "Paywatch is already running.", []string{
			"--user is-enabled paywatch.service", "is-active paywatch.service --user",
		}},
		{"status", "Paywatch is running. It starts when you log in (" + where + ").", []string{
			"--user is-enabled paywatch.service", "is-active paywatch.service --user",
		}},
		{"stop", "Paywatch is stopped.", []string{
			"--user is-enabled paywatch.service", "is-active paywatch.service --user",
			"stop --user paywatch.service",
		}},
		{"stop", "Paywatch is not running.", []string{
			"--user is-enabled paywatch.service",
			"is-active paywatch.service --user", "list-unit-files -t service paywatch.service --user",
		}},
		{"uninstall", "Paywatch will no longer start when you log in.", []string{
			"--user is-enabled paywatch.service",
			"disable --user paywatch.service", "daemon-reload --user",
		}},
		{"uninstall", "Paywatch is not set to start at login.", nil},
		{"start", `Paywatch is not set to start at login, so there is nothing to start. Run "paywatch service install" first.`, nil},
	})
	if files := mc.files(t); len(files) != 0 {
		t.Errorf("files left behind: %v", files)
	}
}

func TestXDGAutostartEntry(t *testing.T) {
	mc := newMachine(t, "XFCE", "inactive")
	o := trayOptions()
	m := newManager(t, o)
	entryPath := filepath.Join(mc.home, ".config/autostart/paywatch.desktop")
	const where = "XDG autostart entry ~/.config/autostart/paywatch.desktop"

	if got := m.Method(); got != MethodXDG {
		t.Errorf("Method() = %q on Xfce, want %q", got, MethodXDG)
	}
	runSteps(t, mc, m, []step{
		{"install", "Paywatch will now start when you log in (" + where + ").", nil},
		{"install", "Paywatch is already set to start at login (" + where + ").", nil},
		{"status", "Paywatch is stopped. It starts when you log in (" + where + ").", nil},
	})
	const entry = `[Desktop Entry]
Type=Application
Name=Paywatch
Comment=Shows whether card and payment services are working
Exec="/opt/Pay Watch/paywatch" run
TryExec=/opt/Pay Watch/paywatch
Icon=io.paywatch.Paywatch
Terminal=false
X-GNOME-Autostart-enabled=true
`
	if got := readFile(t, entryPath); got != entry {
		t.Errorf("entry:\n%s\nwant:\n%s", got, entry)
	}
	if got := mc.files(t); !slices.Equal(got, []string{".config/autostart/paywatch.desktop"}) {
		t.Errorf("files written: %v, want only the entry", got)
	}
	runSteps(t, mc, m, []step{
		{"uninstall", "Paywatch will no longer start when you log in.", nil},
		{"uninstall", "Paywatch is not set to start at login.", nil},
		{"status", "Paywatch is not set to start at login.", nil},
	})
	if files := mc.files(t); len(files) != 0 {
		t.Errorf("files left behind: %v", files)
	}
}

func TestChooseMethod(t *testing.T) {
	tests := []struct {
		name      string
		desktop   string
		session   string
		configDir string // XDG_CONFIG_HOME, relative to home
		want      string
		calls     []string
	}{
		{"GNOME", "ubuntu:GNOME", "active", "", MethodSystemdUser, []string{"--user is-active graphical-session.target"}},
		{"KDE", "KDE", "active", "", MethodSystemdUser, []string{"--user is-active graphical-session.target"}},
		{"no graphical session target", "", "inactive", "", MethodXDG, []string{"--user is-active graphical-session.target"}},
		{"Xfce", "XFCE", "active", "", MethodXDG, nil},
		{"MATE", "MATE", "active", "", MethodXDG, nil},
		{"LXQt", "LXQt", "active", "", MethodXDG, nil},
		{"config folder systemd does not read", "GNOME", "active", "elsewhere", MethodXDG, nil},
		{"config folder is the default", "GNOME", "active", ".config", MethodSystemdUser, []string{"--user is-active graphical-session.target"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mc := newMachine(t, tt.desktop, tt.session)
			if tt.configDir != "" {
				t.Setenv("XDG_CONFIG_HOME", filepath.Join(mc.home, tt.configDir))
			}
			m := newManager(t, trayOptions())
			if got := m.Method(); got != tt.want {
				t.Errorf("Method() = %q, want %q", got, tt.want)
			}
			if got := mc.calls(t); !slices.Equal(got, tt.calls) {
				t.Errorf("systemctl calls %q, want %q", got, tt.calls)
			}
		})
	}
}

func TestNoSystemd(t *testing.T) {
	mc := newMachine(t, "GNOME", "active")
	forceSystem(t, "unix-systemv")
	m := newManager(t, trayOptions())
	if got := m.Method(); got != MethodXDG {
		t.Errorf("Method() = %q without systemd, want %q", got, MethodXDG)
	}
	if _, err := m.Install(); err != nil {
		t.Fatal(err)
	}
	if got := mc.calls(t); got != nil {
		t.Errorf("systemctl called without systemd: %q", got)
	}
}

func TestXDGConfigHome(t *testing.T) {
	mc := newMachine(t, "", "inactive")
	cfg := filepath.Join(mc.home, "cfg")
	t.Setenv("XDG_CONFIG_HOME", cfg)
	m := newManager(t, trayOptions())
	var out bytes.Buffer
	if err := Command("install", m, &out); err != nil {
		t.Fatal(err)
	}
	if want := "Paywatch will now start when you log in (XDG autostart entry ~/cfg/autostart/paywatch.desktop).\n"; out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
	if _, err := os.Stat(filepath.Join(cfg, "autostart", "paywatch.desktop")); err != nil {
		t.Error(err)
	}
	// A test seam may name the folder instead.
	other := t.TempDir()
	m = newManager(t, Options{Executable: "/usr/bin/paywatch", ConfigDir: other})
	if got, want := m.Location(), filepath.Join(other, "autostart", "paywatch.desktop"); got != want {
		t.Errorf("Location() = %s, want %s", got, want)
	}
}

func TestNeverBoth(t *testing.T) {
	t.Run("unit installed, now on Xfce", func(t *testing.T) {
		mc := newMachine(t, "GNOME", "active")
		if _, err := newManager(t, trayOptions()).Install(); err != nil {
			t.Fatal(err)
		}
		t.Setenv("XDG_CURRENT_DESKTOP", "XFCE")
		m := newManager(t, trayOptions())
		mc.calls(t)
		runSteps(t, mc, m, []step{
			{"install", "Paywatch is already set to start at login (systemd user unit ~/.config/systemd/user/paywatch.service).", []string{
				"--user is-enabled paywatch.service",
			}},
		})
		if got := mc.files(t); !slices.Equal(got, []string{".config/systemd/user/paywatch.service"}) {
			t.Errorf("files: %v, want the unit only", got)
		}
		st, err := m.Status()
		if err != nil {
			t.Fatal(err)
		}
		if !st.Installed || st.Method != MethodSystemdUser {
			t.Errorf("status %+v, want the installed unit", st)
		}
		if _, err := m.Uninstall(); err != nil {
			t.Fatal(err)
		}
		if files := mc.files(t); len(files) != 0 {
			t.Errorf("files left behind: %v", files)
		}
	})
	t.Run("entry installed, now on GNOME", func(t *testing.T) {
		mc := newMachine(t, "XFCE", "inactive")
		if _, err := newManager(t, trayOptions()).Install(); err != nil {
			t.Fatal(err)
		}
		t.Setenv("XDG_CURRENT_DESKTOP", "GNOME")
		if err := os.WriteFile(filepath.Join(mc.state, "session"), []byte("active\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		m := newManager(t, trayOptions())
		res, err := m.Install()
		if err != nil {
			t.Fatal(err)
		}
		if res != AlreadyInstalled || m.Method() != MethodXDG {
			t.Errorf("Install() = %v with %s, want already installed with the XDG entry", res, m.Method())
		}
		if got := mc.calls(t); got != nil {
			t.Errorf("systemctl called: %q", got)
		}
		if got := mc.files(t); !slices.Equal(got, []string{".config/autostart/paywatch.desktop"}) {
			t.Errorf("files: %v, want the entry only", got)
		}
	})
}

func TestEnabledEnableDisable(t *testing.T) {
	for _, tc := range []struct{ desktop, session string }{{"XFCE", "inactive"}, {"GNOME", "active"}} {
		t.Run(tc.desktop, func(t *testing.T) {
			mc := newMachine(t, tc.desktop, tc.session)
			m := newManager(t, trayOptions())
			check := func(want bool) {
				t.Helper()
				got, err := m.Enabled()
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("Enabled() = %v, want %v", got, want)
				}
			}
			check(false)
			for range 2 {
				if err := m.Enable(); err != nil {
					t.Fatal(err)
				}
				check(true)
			}
			for range 2 {
				if err := m.Disable(); err != nil {
					t.Fatal(err)
				}
				check(false)
			}
			if files := mc.files(t); len(files) != 0 {
				t.Errorf("files left behind: %v", files)
			}
		})
	}
}

func TestSwitchedOffByTheDesktop(t *testing.T) {
	t.Run("XDG entry hidden", func(t *testing.T) {
		mc := newMachine(t, "XFCE", "inactive")
		m := newManager(t, trayOptions())
		if err := m.Enable(); err != nil {
			t.Fatal(err)
		}
		path := m.Location()
		if err := os.WriteFile(path, []byte(readFile(t, path)+"Hidden=true\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if on, err := m.Enabled(); err != nil || on {
			t.Errorf("Enabled() = %v, %v for a hidden entry, want false", on, err)
		}
		runSteps(t, mc, m, []step{
			{"status", "Paywatch is not set to start at login.", nil},
			{"install", "Paywatch will now start when you log in (XDG autostart entry ~/.config/autostart/paywatch.desktop).", nil},
		})
		if got, want := readFile(t, path), RenderDesktopEntry(trayOptions()); got != want {
			t.Errorf("entry not rewritten:\n%s", got)
		}
	})
	t.Run("unit disabled with systemctl", func(t *testing.T) {
		mc := newMachine(t, "GNOME", "active")
		m := newManager(t, trayOptions())
		if err := m.Enable(); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(mc.state, "enabled")); err != nil { // systemctl --user disable
			t.Fatal(err)
		}
		mc.calls(t)
		if on, err := m.Enabled(); err != nil || on {
			t.Errorf("Enabled() = %v, %v for a disabled unit, want false", on, err)
		}
		mc.calls(t)
		runSteps(t, mc, m, []step{
			{"install", "Paywatch will now start when you log in (systemd user unit ~/.config/systemd/user/paywatch.service).", []string{
				"--user is-enabled paywatch.service",
				"disable --user paywatch.service", "daemon-reload --user",
				"enable --user paywatch.service", "daemon-reload --user",
			}},
		})
	})
}

func TestOutdatedEntryIsRewritten(t *testing.T) {
	for _, tc := range []struct{ desktop, session string }{{"XFCE", "inactive"}, {"GNOME", "active"}} {
		t.Run(tc.desktop, func(t *testing.T) {
			newMachine(t, tc.desktop, tc.session)
			old := newManager(t, Options{Executable: "/old/paywatch"})
			if _, err := old.Install(); err != nil {
				t.Fatal(err)
			}
			moved := Options{Executable: "/new/paywatch", Args: []string{"run"}}
			m := newManager(t, moved)
			if on, err := m.Enabled(); err != nil || !on {
				t.Errorf("Enabled() = %v, %v with an old entry, want true", on, err)
			}
			res, err := m.Install()
			if err != nil {
				t.Fatal(err)
			}
			if res != Installed {
				t.Errorf("Install() = %v, want %v", res, Installed)
			}
			want := RenderDesktopEntry(moved)
			if m.Method() == MethodSystemdUser {
				want = RenderSystemdUnit(moved)
			}
			if got := readFile(t, m.Location()); got != want {
				t.Errorf("entry:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestSystemctlFails(t *testing.T) {
	t.Run("install leaves no unit behind", func(t *testing.T) {
		mc := newMachine(t, "GNOME", "active")
		mc.fail(t, "enable")
		m := newManager(t, trayOptions())
		var out bytes.Buffer
		err := Command("install", m, &out)
		if err == nil {
			t.Fatal("install succeeded although systemctl enable failed")
		}
		if !strings.HasPrefix(err.Error(), "could not set Paywatch to start at login: ") {
			t.Errorf("error %q does not say what failed", err)
		}
		if out.Len() != 0 {
			t.Errorf("printed %q on failure", out.String())
		}
		if files := mc.files(t); len(files) != 0 {
			t.Errorf("files left behind: %v", files)
		}
	})
	t.Run("uninstall still removes the unit", func(t *testing.T) {
		mc := newMachine(t, "GNOME", "active")
		m := newManager(t, trayOptions())
		if _, err := m.Install(); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(mc.home, ".config/systemd/user/graphical-session.target.wants/paywatch.service")
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("../paywatch.service", link); err != nil {
			t.Fatal(err)
		}
		mc.fail(t, "disable")
		res, err := m.Uninstall()
		if err != nil || res != Uninstalled {
			t.Fatalf("Uninstall() = %v, %v, want uninstalled", res, err)
		}
		if _, err := os.Lstat(link); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("enable link left behind: %v", err)
		}
		if files := mc.files(t); len(files) != 0 {
			t.Errorf("files left behind: %v", files)
		}
	})
}

// goCaches are the go command's build and module caches, read before any test moves HOME.
var goCaches = func() []string {
	out, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE", "GOPATH").Output()
	f := strings.Fields(string(out))
	if err != nil || len(f) != 3 {
		return nil
	}
	return []string{"GOCACHE=" + f[0], "GOMODCACHE=" + f[1], "GOPATH=" + f[2]}
}()

// fakeApp builds testdata/fakeapp as dir/paywatch: a program the test can start, find and
// stop, as it would the tray app, and which takes the tray's instance lock in a runtime folder
// of the test's own.
func fakeApp(t *testing.T) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "paywatch")
	build := exec.Command("go", "build", "-o", exe, "./testdata/fakeapp")
	build.Env = append(os.Environ(), goCaches...) // the test's HOME has none
	out, err := build.CombinedOutput()
	if err != nil {
		t.Fatalf("build the fake app: %v\n%s", err, out)
	}
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	t.Cleanup(func() {
		pids, _ := findProcesses(exe)
		_ = terminate(exe, pids, 5*time.Second)
	})
	return exe
}

// TestXDGStopOnlyOwn: another Paywatch running the same program, without this user's lock (run
// by another user, or in another session with its own runtime folder), is not this user's:
// status does not report it, and stop leaves it alone.
func TestXDGStopOnlyOwn(t *testing.T) {
	mc := newMachine(t, "XFCE", "inactive")
	exe := fakeApp(t)
	other := exec.Command(exe)
	other.Env = append(os.Environ(), "FAKEAPP_NO_LOCK=1")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- other.Wait() }()
	t.Cleanup(func() { other.Process.Kill() })
	m := newManager(t, Options{Executable: exe})
	runSteps(t, mc, m, []step{
		{"status", "Paywatch is not set to start at login.", nil},
		{"stop", "Paywatch is not running.", nil},
		{"start", "Paywatch is running.", nil},
		{"status", "Paywatch is running, but it is not set to start at login.", nil},
		{"stop", "Paywatch is stopped.", nil},
		{"status", "Paywatch is not set to start at login.", nil},
	})
	select {
	case err := <-exited:
		t.Fatalf("the other Paywatch ended (%v): stop must act only on this user's own", err)
	default:
	}
}

func TestXDGStartStop(t *testing.T) {
	mc := newMachine(t, "XFCE", "inactive")
	exe := fakeApp(t)
	m := newManager(t, Options{Executable: exe, Args: []string{"300"}})
	const where = "XDG autostart entry ~/.config/autostart/paywatch.desktop"
	runSteps(t, mc, m, []step{
		{"status", "Paywatch is not set to start at login.", nil},
		{"start", "Paywatch is running.", nil},
		{"status", "Paywatch is running, but it is not set to start at login.", nil},
		{"install", "Paywatch will now start when you log in (" + where + ").", nil},
		{"start", "Paywatch is already running.", nil},
		{"status", "Paywatch is running. It starts when you log in (" + where + ").", nil},
		{"stop", "Paywatch is stopped.", nil},
		{"status", "Paywatch is stopped. It starts when you log in (" + where + ").", nil},
		{"stop", "Paywatch is not running.", nil},
		{"uninstall", "Paywatch will no longer start when you log in.", nil},
	})
	if pids, _ := findProcesses(exe); len(pids) != 0 {
		t.Errorf("processes still running: %v", pids)
	}
}

func TestHeadlessLinux(t *testing.T) {
	mc := newMachine(t, "GNOME", "active")
	o := Options{
		Executable: "/usr/bin/paywatch",
		Args:       []string{"run", "--headless"},
		Headless:   true,
		Env: func(k string) string {
			if k == "SUDO_USER" {
				return "office"
			}
			return os.Getenv(k)
		},
	}
	m := newManager(t, o)
	if got := m.Method(); got != MethodSystemdSystem {
		t.Errorf("Method() = %q, want %q", got, MethodSystemdSystem)
	}
	if got := m.Location(); got != "/etc/systemd/system/paywatch.service" {
		t.Errorf("Location() = %q", got)
	}
	if got := m.o.UserName; got != "office" {
		t.Errorf("UserName = %q, want the sudo user", got)
	}
	if !strings.Contains(RenderSystemdUnit(m.o), "\nUser=office\n") {
		t.Errorf("unit does not run as the sudo user:\n%s", RenderSystemdUnit(m.o))
	}
	mc.calls(t)
	if _, err := os.Stat(m.Location()); err == nil {
		t.Skip("this machine has a real paywatch system unit")
	}
	runSteps(t, mc, m, []step{
		{"status", "Paywatch is not installed as a background service.", []string{
			"is-active paywatch.service", "list-unit-files -t service paywatch.service",
		}},
		{"uninstall", "Paywatch is not installed as a background service.", nil},
	})
}

func TestTrayInstallRefusesSudo(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	mc := newMachine(t, "XFCE", "inactive")
	t.Setenv("SUDO_USER", "alice")
	m := newManager(t, trayOptions())
	err := Command("install", m, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "without sudo") {
		t.Errorf("got %v, want an error telling to run without sudo", err)
	}
	if files := mc.files(t); len(files) != 0 {
		t.Errorf("files written: %v", files)
	}
}

func TestCommandUnknownAction(t *testing.T) {
	newMachine(t, "XFCE", "inactive")
	m := newManager(t, trayOptions())
	err := Command("restart", m, &bytes.Buffer{})
	if err == nil {
		t.Fatal("no error for an unknown action")
	}
	for _, a := range []string{`"restart"`, "install", "uninstall", "start", "stop", "status"} {
		if !strings.Contains(err.Error(), a) {
			t.Errorf("error %q does not mention %s", err, a)
		}
	}
}

func TestFailureHints(t *testing.T) {
	newMachine(t, "XFCE", "inactive")
	denied := &fs.PathError{Op: "open", Path: "/etc/systemd/system/paywatch.service", Err: fs.ErrPermission}
	headless := newManager(t, Options{Executable: "/usr/bin/paywatch", Headless: true})
	err := headless.failure("could not install Paywatch as a background service", denied)
	if !strings.Contains(err.Error(), "administrator rights") || !strings.Contains(err.Error(), "sudo") || !errors.Is(err, fs.ErrPermission) {
		t.Errorf("got %q, want a hint to use sudo", err)
	}
	tray := newManager(t, trayOptions())
	err = tray.failure("could not set Paywatch to start at login", errors.New("boom"))
	if got, want := err.Error(), "could not set Paywatch to start at login: boom"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
