// Package autostart starts Paywatch when the user logs in, or runs it as a
// background service, on Linux, macOS and Windows, and backs the
// `paywatch service install|uninstall|start|stop|status [--headless]`
// command and the tray's "Start at login" checkbox.
//
// How Paywatch is started, per OS ([Manager.Method]):
//
//   - Linux, tray: a systemd user unit (~/.config/systemd/user/paywatch.service,
//     bound to graphical-session.target) where the desktop starts that
//     target (GNOME, KDE Plasma), else an XDG autostart entry
//     ($XDG_CONFIG_HOME/autostart/paywatch.desktop), which every desktop
//     honours (Xfce, MATE, LXQt …). Only one of the two exists at a time.
//   - macOS, tray: a LaunchAgent (~/Library/LaunchAgents/<Label>.plist), run
//     at load, restarted only after a crash, in the Aqua session only.
//   - Windows, tray: a value under HKCU\…\CurrentVersion\Run. A Windows
//     service cannot show a tray icon (it runs in session 0).
//   - Headless (Options.Headless): a service for the whole machine, started
//     at boot: a systemd system unit, a LaunchDaemon or a Windows service.
//     Installing one needs administrator rights; the tray forms do not.
//
// Units, LaunchAgents, LaunchDaemons and Windows services go through
// github.com/kardianos/service. Its defaults are wrong for a tray app (see
// shared/reference/PLATFORM.md §3), so each file is rendered in full here
// (RenderSystemdUnit, RenderLaunchAgent) and handed to kardianos as a
// custom SystemdScript or LaunchdConfig that holds no template actions: the
// file written is exactly what the pure renderer returns, which the tests
// check on Linux. The XDG entry (RenderDesktopEntry) and the Run value
// (RunValue) are written directly; with those two, Start launches the
// program and Stop asks it to quit (SIGTERM on Linux; on Windows only the
// tray's Quit can). Uninstall never stops a running tray.
//
// Use, from main:
//
//	m, err := autostart.New(autostart.Options{Args: []string{"--wait-display=30s"}})
//	err = autostart.Command("install", m, os.Stdout) // prints one plain-English line
//	on, err := m.Enabled()                             // the tray's "Start at login" box
//
// For the headless service, Options{Headless: true, Args: []string{"run",
// "--headless", …}}; `paywatch run --headless` itself calls
// RunHeadless(opts, engine, logger), which stops cleanly on SIGTERM, Ctrl+C
// or a service stop.
package autostart

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Options describes the program to start and how.
type Options struct {
	// Name is the short name of the service and of the files it writes:
	// paywatch.service, paywatch.desktop, the Windows service. Default "paywatch".
	Name string
	// Label is the reverse-DNS identifier: the LaunchAgent label and file
	// name, and the icon name in the XDG entry (Fyne's packaging installs
	// the icon under the app ID). Default "io.paywatch.Paywatch".
	Label string
	// DisplayName is the name people see. Default "Paywatch".
	DisplayName string
	// Description is one line saying what the program does.
	Description string
	// Executable is the absolute path of the program to start; default the
	// running executable. On macOS a symlink is followed and an .app bundle
	// is replaced by the binary inside it.
	Executable string
	// Args are the arguments it is started with, e.g. ["run", "--headless"].
	Args []string
	// Headless installs a background service for the whole machine instead
	// of starting the tray at login.
	Headless bool
	// UserName is the account a headless service runs as on Linux and macOS.
	// Default: $SUDO_USER when run through sudo, else the service manager's
	// default (root). Windows services run as LocalSystem.
	UserName string

	// ConfigDir is the user's config folder, holding autostart/. Default
	// $XDG_CONFIG_HOME, or ~/.config. A test seam, like Env.
	ConfigDir string
	// Env looks up environment variables (XDG_CONFIG_HOME,
	// XDG_CURRENT_DESKTOP, SUDO_USER). Default os.Getenv. kardianos/service
	// reads the real environment ($HOME), so tests also use t.Setenv.
	Env func(string) string
}

// Methods, as returned by Manager.Method and shown to the user.
const (
	MethodSystemdUser    = "systemd user unit"
	MethodXDG            = "XDG autostart entry"
	MethodLaunchAgent    = "LaunchAgent"
	MethodRunValue       = "Windows Run registry value"
	MethodWindowsService = "Windows service"
	MethodSystemdSystem  = "systemd system service"
	MethodLaunchDaemon   = "LaunchDaemon"
)

// Result says what an action did.
type Result int

// Results of Install, Uninstall, Start and Stop.
const (
	Installed        Result = iota + 1 // the entry was written
	AlreadyInstalled                   // it was there and up to date: nothing done
	Uninstalled                        // the entry was removed
	NotInstalled                       // there was no entry: nothing done (also Start/Stop of a service that is not installed)
	Started                            // Paywatch was started
	AlreadyRunning                     // it was running: nothing done
	Stopped                            // Paywatch was stopped
	NotRunning                         // it was not running: nothing done
)

func (r Result) String() string {
	switch r {
	case Installed:
		return "installed"
	case AlreadyInstalled:
		return "already installed"
	case Uninstalled:
		return "uninstalled"
	case NotInstalled:
		return "not installed"
	case Started:
		return "started"
	case AlreadyRunning:
		return "already running"
	case Stopped:
		return "stopped"
	case NotRunning:
		return "not running"
	}
	return fmt.Sprintf("Result(%d)", int(r))
}

// Status is the installed and running state.
type Status struct {
	Installed bool   // the entry exists and is enabled
	Running   bool   // Paywatch is running (under the service manager, for services)
	Method    string // how it is (or would be) started; see the Method constants
	Location  string // the entry's file or registry location
}

// entryState is what a backend finds of its entry.
type entryState int

const (
	absent   entryState = iota
	disabled            // present but switched off (by the desktop's or the OS's settings)
	outdated            // present, enabled, but not what install would write now
	current             // present, enabled and up to date
)

// A backend is one way of starting Paywatch: a unit, an entry, a value.
type backend interface {
	method() string
	location() string
	state() (entryState, error)
	install() error   // called when the entry is absent
	uninstall() error // called when the entry is present
	running() (bool, error)
	start() error
	stop() error
	// managed is true when a service manager starts and stops Paywatch, so
	// Start and Stop need the entry installed; otherwise Start launches the
	// program directly and Stop ends it.
	managed() bool
}

// Manager installs, removes and controls the entry for one Options.
// Its methods may be called from one goroutine at a time.
type Manager struct {
	o Options
	// backends are every form the entry can take here, so that status and
	// uninstall find whichever exists; there is more than one only on Linux.
	backends []backend
	// choose picks the backend for a new install. It may run a command
	// (systemctl --user), so it runs once and only when needed.
	choose func() backend
}

// New checks o, fills in defaults and returns a Manager. It changes
// nothing on the system.
func New(o Options) (*Manager, error) {
	o, err := o.prepare()
	if err != nil {
		return nil, err
	}
	bs, choose, err := newBackends(o)
	if err != nil {
		return nil, err
	}
	return &Manager{o: o, backends: bs, choose: sync.OnceValue(choose)}, nil
}

const (
	defaultName        = "paywatch"
	defaultLabel       = "io.paywatch.Paywatch"
	defaultDisplayName = "Paywatch"
	defaultDescription = "Shows whether card and payment services are working"
	headlessDesc       = "Watches card and payment services and reports outages"
)

// withDefaults fills the names and the description. It is pure, so the
// renderers use it too.
func (o Options) withDefaults() Options {
	if o.Name == "" {
		o.Name = defaultName
	}
	if o.Label == "" {
		o.Label = defaultLabel
	}
	if o.DisplayName == "" {
		o.DisplayName = defaultDisplayName
	}
	if o.Description == "" {
		o.Description = defaultDescription
		if o.Headless {
			o.Description = headlessDesc
		}
	}
	if o.Env == nil {
		o.Env = os.Getenv
	}
	o.Args = slices.Clone(o.Args)
	return o
}

var (
	namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	userPattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*\$?$`)
)

// prepare applies the defaults, finds the executable and validates
// everything, reporting every problem at once.
func (o Options) prepare() (Options, error) {
	o = o.withDefaults()
	var errs []error
	if o.Executable == "" {
		exe, err := os.Executable()
		if err != nil {
			return o, fmt.Errorf("autostart: find executable: %w", err)
		}
		o.Executable = exe
	}
	o.Executable = programPath(o.Executable)
	if !filepath.IsAbs(o.Executable) {
		errs = append(errs, fmt.Errorf("Executable %q is not an absolute path", o.Executable))
	}
	if !namePattern.MatchString(o.Name) {
		errs = append(errs, fmt.Errorf("Name %q: use letters, digits, '.', '_' or '-'", o.Name))
	}
	if !namePattern.MatchString(o.Label) {
		errs = append(errs, fmt.Errorf("Label %q: use letters, digits, '.', '_' or '-'", o.Label))
	}
	if o.Headless && o.UserName == "" {
		o.UserName = o.Env("SUDO_USER")
	}
	if o.UserName != "" && !userPattern.MatchString(o.UserName) {
		errs = append(errs, fmt.Errorf("UserName %q is not a valid account name", o.UserName))
	}
	// kardianos/service renders the files it writes as templates: a "{{"
	// would be read as an action. The renderers escape the paths and
	// arguments; these fields are written as they are.
	for _, f := range []struct{ name, value string }{
		{"DisplayName", o.DisplayName}, {"Description", o.Description},
	} {
		if strings.Contains(f.value, "{{") || strings.Contains(f.value, "}}") {
			errs = append(errs, fmt.Errorf("%s %q must not contain {{ or }}", f.name, f.value))
		}
		if strings.ContainsAny(f.value, "\r\n") {
			errs = append(errs, fmt.Errorf("%s %q must be one line", f.name, f.value))
		}
	}
	if o.ConfigDir == "" {
		if dir := o.Env("XDG_CONFIG_HOME"); filepath.IsAbs(dir) {
			o.ConfigDir = dir
		} else if home, err := os.UserHomeDir(); err == nil {
			o.ConfigDir = filepath.Join(home, ".config")
		}
	}
	if err := errors.Join(errs...); err != nil {
		return o, fmt.Errorf("autostart: bad options: %w", err)
	}
	return o, nil
}

// existing returns the backend whose entry is present, if any, and its state.
func (m *Manager) existing() (backend, entryState, error) {
	for _, b := range m.backends {
		st, err := b.state()
		if err != nil {
			return nil, absent, fmt.Errorf("autostart: check %s: %w", b.method(), err)
		}
		if st != absent {
			return b, st, nil
		}
	}
	return nil, absent, nil
}

// active is the backend that applies now: the one present, or the one a
// new install would use.
func (m *Manager) active() (backend, entryState, error) {
	b, st, err := m.existing()
	if err != nil || b != nil {
		return b, st, err
	}
	return m.choose(), absent, nil
}

// Method says how Paywatch is started: by the entry that exists, or else by
// the one Install would write. See the Method constants.
func (m *Manager) Method() string {
	b, _, err := m.active()
	if err != nil {
		return m.choose().method()
	}
	return b.method()
}

// Location is where the entry of Method is (or would be): a file or a
// registry value.
func (m *Manager) Location() string {
	b, _, err := m.active()
	if err != nil {
		return m.choose().location()
	}
	return b.location()
}

// Install makes Paywatch start at login (or at boot, when headless). An
// entry that is already there in another form is left alone: there is
// never more than one. An entry that is switched off or out of date (the
// program moved) is written again.
func (m *Manager) Install() (Result, error) {
	res, _, err := m.install()
	return res, err
}

// install is Install, also returning the backend used.
func (m *Manager) install() (Result, backend, error) {
	if !m.o.Headless && m.o.Env("SUDO_USER") != "" && os.Geteuid() == 0 {
		return 0, nil, errors.New("autostart: install: starting at login is set up for your own account, so run this without sudo")
	}
	b, st, err := m.active()
	if err != nil {
		return 0, nil, err
	}
	switch st {
	case current:
		return AlreadyInstalled, b, nil
	case disabled, outdated:
		if err := b.uninstall(); err != nil {
			return 0, nil, fmt.Errorf("autostart: replace %s: %w", b.method(), err)
		}
	}
	if err := b.install(); err != nil {
		return 0, nil, fmt.Errorf("autostart: install %s: %w", b.method(), err)
	}
	return Installed, b, nil
}

// Uninstall removes the entry, in whichever form it exists.
func (m *Manager) Uninstall() (Result, error) {
	res := NotInstalled
	for _, b := range m.backends {
		st, err := b.state()
		if err != nil {
			return 0, fmt.Errorf("autostart: check %s: %w", b.method(), err)
		}
		if st == absent {
			continue
		}
		if err := b.uninstall(); err != nil {
			return 0, fmt.Errorf("autostart: uninstall %s: %w", b.method(), err)
		}
		res = Uninstalled
	}
	return res, nil
}

// Start starts Paywatch now: through the service manager when a unit,
// LaunchAgent or service is installed (NotInstalled if not), otherwise by
// launching the program.
func (m *Manager) Start() (Result, error) {
	b, st, err := m.active()
	if err != nil {
		return 0, err
	}
	if b.managed() && (st == absent || st == disabled) {
		return NotInstalled, nil
	}
	if run, err := b.running(); err != nil {
		return 0, fmt.Errorf("autostart: start: %w", err)
	} else if run {
		return AlreadyRunning, nil
	}
	if err := b.start(); err != nil {
		return 0, fmt.Errorf("autostart: start: %w", err)
	}
	return Started, nil
}

// Stop stops Paywatch: through the service manager, or by asking the
// running program to quit.
func (m *Manager) Stop() (Result, error) {
	b, st, err := m.active()
	if err != nil {
		return 0, err
	}
	if b.managed() && st == absent {
		return NotInstalled, nil
	}
	if run, err := b.running(); err != nil {
		return 0, fmt.Errorf("autostart: stop: %w", err)
	} else if !run {
		return NotRunning, nil
	}
	if err := b.stop(); err != nil {
		return 0, fmt.Errorf("autostart: stop: %w", err)
	}
	return Stopped, nil
}

// Status reports whether the entry is installed and Paywatch is running.
func (m *Manager) Status() (Status, error) {
	b, st, err := m.active()
	if err != nil {
		return Status{}, err
	}
	run, err := b.running()
	if err != nil {
		return Status{}, fmt.Errorf("autostart: status: %w", err)
	}
	return Status{
		Installed: st == current || st == outdated,
		Running:   run,
		Method:    b.method(),
		Location:  b.location(),
	}, nil
}

// Enabled reports whether Paywatch starts at login: the tray checkbox.
func (m *Manager) Enabled() (bool, error) {
	b, st, err := m.existing()
	if err != nil || b == nil {
		return false, err
	}
	return st == current || st == outdated, nil
}

// Enable makes Paywatch start at login; it does nothing if it already does.
func (m *Manager) Enable() error {
	_, err := m.Install()
	return err
}

// Disable stops Paywatch starting at login; it does nothing if it doesn't.
// The running program keeps running.
func (m *Manager) Disable() error {
	_, err := m.Uninstall()
	return err
}
