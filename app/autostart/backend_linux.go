package autostart

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kardianos/service"

	"github.com/paywatch/paywatch/app/instance"
	"github.com/paywatch/paywatch/internal/atomicfile"
)

func newBackends(o Options) ([]backend, func() backend, error) {
	sys := service.ChosenSystem()
	systemd := sys != nil && sys.String() == "linux-systemd"
	if o.Headless {
		b, err := linuxSystemService(o, systemd, sys)
		if err != nil {
			return nil, nil, err
		}
		return []backend{b}, func() backend { return b }, nil
	}
	x, err := newXDG(o)
	if err != nil {
		return nil, nil, err
	}
	if !systemd {
		return []backend{x}, func() backend { return x }, nil
	}
	u, err := systemdUserUnit(o)
	if err != nil {
		return nil, nil, err
	}
	choose := func() backend {
		if graphicalSessionTarget(o) {
			return u
		}
		return x
	}
	return []backend{u, x}, choose, nil
}

// systemdUserUnit is the unit kardianos writes to
// ~/.config/systemd/user/<name>.service and enables with systemctl --user.
func systemdUserUnit(o Options) (*serviceBackend, error) {
	home, err := os.UserHomeDir() // where kardianos puts it
	if err != nil {
		return nil, fmt.Errorf("autostart: %w", err)
	}
	unit := o.Name + ".service"
	dir := filepath.Join(home, ".config", "systemd", "user")
	content := RenderSystemdUnit(o)
	svc, err := newService(&service.Config{
		Name:        o.Name,
		DisplayName: o.DisplayName,
		Description: o.Description,
		Executable:  o.Executable,
		Arguments:   o.Args,
		Option:      service.KeyValue{"UserService": true, "SystemdScript": content},
	})
	if err != nil {
		return nil, err
	}
	return &serviceBackend{
		svc:     svc,
		name:    MethodSystemdUser,
		path:    filepath.Join(dir, unit),
		content: content,
		enabled: func() (bool, error) { return systemdEnabled(true, unit), nil },
		cleanup: []string{filepath.Join(dir, "graphical-session.target.wants", unit)},
	}, nil
}

// linuxSystemService is the headless service: a systemd system unit, or
// kardianos' own script for another init system.
func linuxSystemService(o Options, systemd bool, sys service.System) (*serviceBackend, error) {
	cfg := &service.Config{
		Name:        o.Name,
		DisplayName: o.DisplayName,
		Description: o.Description,
		Executable:  o.Executable,
		Arguments:   o.Args,
		UserName:    o.UserName,
	}
	if !systemd {
		svc, err := newService(cfg)
		if err != nil {
			return nil, err
		}
		name := "system service"
		if sys != nil {
			name = sys.String() + " service"
		}
		return &serviceBackend{svc: svc, name: name, where: o.Name, stopFirst: true}, nil
	}
	unit := o.Name + ".service"
	content := RenderSystemdUnit(o)
	cfg.Option = service.KeyValue{"SystemdScript": content}
	svc, err := newService(cfg)
	if err != nil {
		return nil, err
	}
	return &serviceBackend{
		svc:       svc,
		name:      MethodSystemdSystem,
		path:      filepath.Join("/etc/systemd/system", unit),
		content:   content,
		enabled:   func() (bool, error) { return systemdEnabled(false, unit), nil },
		stopFirst: true,
		cleanup:   []string{filepath.Join("/etc/systemd/system/multi-user.target.wants", unit)},
	}, nil
}

// systemctl runs systemctl with a time limit and returns its first output
// line; a failure to run it gives "".
func systemctl(args ...string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, "systemctl", args...).Output()
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(line)
}

// systemdEnabled reports whether an installed unit is enabled. When
// systemctl cannot tell (no user manager to ask), the file counts.
func systemdEnabled(user bool, unit string) bool {
	args := []string{"is-enabled", unit}
	if user {
		args = []string{"--user", "is-enabled", unit}
	}
	switch out := systemctl(args...); {
	case out == "disabled", strings.HasPrefix(out, "masked"):
		return false
	}
	return true
}

// graphicalSessionTarget reports whether this login session starts
// graphical-session.target, so that a user unit bound to it starts at
// login. Xfce, MATE, LXQt and LXDE never start it, and systemd does not
// read ~/.config/systemd/user when XDG_CONFIG_HOME points elsewhere.
func graphicalSessionTarget(o Options) bool {
	if home, err := os.UserHomeDir(); err != nil || filepath.Clean(o.ConfigDir) != filepath.Join(home, ".config") {
		return false
	}
	for _, d := range strings.Split(o.Env("XDG_CURRENT_DESKTOP"), ":") {
		switch strings.ToUpper(strings.TrimSpace(d)) {
		case "XFCE", "MATE", "LXQT", "LXDE":
			return false
		}
	}
	return systemctl("--user", "is-active", "graphical-session.target") == "active"
}

// xdgBackend is an XDG autostart entry, which the desktop itself starts at
// login. Paywatch runs outside any service manager, so start and stop act
// on the process.
type xdgBackend struct {
	path    string
	content string
	exe     string
	args    []string
}

func newXDG(o Options) (*xdgBackend, error) {
	if o.ConfigDir == "" {
		return nil, errors.New("autostart: no config folder: neither XDG_CONFIG_HOME nor HOME is set")
	}
	return &xdgBackend{
		path:    filepath.Join(o.ConfigDir, "autostart", o.Name+".desktop"),
		content: RenderDesktopEntry(o),
		exe:     o.Executable,
		args:    o.Args,
	}, nil
}

func (x *xdgBackend) method() string   { return MethodXDG }
func (x *xdgBackend) location() string { return x.path }
func (x *xdgBackend) managed() bool    { return false }

func (x *xdgBackend) state() (entryState, error) {
	data, err := os.ReadFile(x.path)
	if errors.Is(err, fs.ErrNotExist) {
		return absent, nil
	}
	if err != nil {
		return absent, err
	}
	if desktopEntryOff(string(data)) {
		return disabled, nil
	}
	if string(data) != x.content {
		return outdated, nil
	}
	return current, nil
}

func (x *xdgBackend) install() error {
	if err := atomicfile.Write(x.path, []byte(x.content), 0o644); err != nil {
		return fmt.Errorf("write entry: %w", err)
	}
	return nil
}

func (x *xdgBackend) uninstall() error { return removeIfExists(x.path) }

func (x *xdgBackend) running() (bool, error) {
	pid, err := x.owner()
	return pid > 0, err
}

// start launches the app and waits a little for it to take its lock, so that the status asked
// for next sees it.
func (x *xdgBackend) start() error {
	pid, err := launch(x.exe, x.args)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if own, _ := x.owner(); own == pid || processExe(pid) == "" {
			break // running, or gone (it found another one running)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// stop asks this user's own tray to quit: the process holding its instance lock, nothing else
// that runs the same program (another user's, or another session's).
func (x *xdgBackend) stop() error {
	pid, err := x.owner()
	if err != nil || pid == 0 {
		return err
	}
	return terminate(x.exe, []int{pid}, 10*time.Second)
}

// owner is the ID of the process holding this user's tray lock, when it runs this program
// (0 when none does, or the ID was reused by another program).
func (x *xdgBackend) owner() (int, error) {
	dir, err := instance.Dir()
	if err != nil {
		return 0, err
	}
	pid, err := instance.Owner(dir, instance.Name("", ""))
	if err != nil || pid == 0 || !slices.Contains(programNames(x.exe), processExe(pid)) {
		return 0, err
	}
	return pid, nil
}
