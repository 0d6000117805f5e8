package app

import (
	"context"
	"errors"
	"net"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

// ErrNoDisplay means there is no graphical session to show a tray in.
var ErrNoDisplay = errors.New("no graphical session found")

// NoDisplayError is ErrNoDisplay with the reason: "DISPLAY is not set", "nothing answers on
// display :1".
type NoDisplayError struct{ Why string }

func (e *NoDisplayError) Error() string        { return ErrNoDisplay.Error() + " (" + e.Why + ")" }
func (e *NoDisplayError) Is(target error) bool { return target == ErrNoDisplay }

// x11Dir is where local X servers listen (a variable for tests).
var x11Dir = "/tmp/.X11-unix"

// Display is the X display Paywatch would draw on: DISPLAY's value and whether an X server
// answers there. Fyne draws through X11 on Linux and the BSDs (Wayland sessions run XWayland
// and set DISPLAY), so DISPLAY must name a server that is really there: GLFW panics with a
// stack trace on one that is not.
type Display struct {
	Name  string // DISPLAY, e.g. ":0"
	Ready bool   // an X server accepts connections there
}

// Problem is the one-line explanation when d is not usable, e.g. "DISPLAY is not set".
func (d Display) Problem() string {
	switch {
	case d.Ready:
		return ""
	case d.Name == "":
		return "DISPLAY is not set"
	}
	return "nothing answers on display " + d.Name
}

// FindDisplay looks at DISPLAY in getenv. Off Linux and the BSDs there is always a display.
func FindDisplay(getenv func(string) string) Display {
	switch runtime.GOOS {
	case "windows", "darwin":
		return Display{Ready: true}
	}
	name := strings.TrimSpace(getenv("DISPLAY"))
	return Display{Name: name, Ready: name != "" && xAnswers(name)}
}

// xAddrs are the addresses an X client tries for a DISPLAY value: ":1" and "unix:1" are the
// local socket (and, on Linux, its abstract twin), "host:1" is TCP port 6001.
func xAddrs(display string) (network string, addrs []string, ok bool) {
	i := strings.LastIndexByte(display, ':')
	if i < 0 {
		return "", nil, false
	}
	host, num := display[:i], display[i+1:]
	num, _, _ = strings.Cut(num, ".") // screen number
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 {
		return "", nil, false
	}
	if host == "" || host == "unix" {
		path := filepath.Join(x11Dir, "X"+strconv.Itoa(n))
		addrs = []string{path}
		if runtime.GOOS == "linux" {
			addrs = append(addrs, "@"+path)
		}
		return "unix", addrs, true
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return "tcp", []string{net.JoinHostPort(host, strconv.Itoa(6000+n))}, true
}

func xAnswers(display string) bool {
	network, addrs, ok := xAddrs(display)
	if !ok {
		return false
	}
	for _, a := range addrs {
		if c, err := net.DialTimeout(network, a, time.Second); err == nil {
			c.Close()
			return true
		}
	}
	return false
}

// SessionEnv reads the environment of the user's service manager (`systemctl --user
// show-environment`), where a desktop session publishes DISPLAY once it exists. Nil where there
// is none.
func SessionEnv(ctx context.Context) map[string]string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "systemctl", "--user", "show-environment").Output()
	if err != nil {
		return nil
	}
	env := map[string]string{}
	for _, l := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			env[k] = v
		}
	}
	return env
}

// WaitForDisplay waits up to limit for a display (when started at login before the desktop
// exists). Every half second it checks DISPLAY again, and, while this process has none, the
// service manager's environment, where the session publishes its DISPLAY; what it finds there
// is returned as variables to set (DISPLAY and, when given, XAUTHORITY). With no limit (started
// by hand) only this process's DISPLAY counts: a terminal without one gets the message, not a
// tray on somebody's screen. On failure the error is a *NoDisplayError with the reason from the
// last look.
func WaitForDisplay(ctx context.Context, limit time.Duration, getenv func(string) string, session func(context.Context) map[string]string) (map[string]string, error) {
	look := func() (map[string]string, Display) {
		d := FindDisplay(getenv)
		if d.Ready || d.Name != "" || session == nil || limit <= 0 {
			return nil, d
		}
		env := session(ctx)
		sd := FindDisplay(func(k string) string { return env[k] })
		if !sd.Ready {
			return nil, d
		}
		set := map[string]string{"DISPLAY": sd.Name}
		if xa := env["XAUTHORITY"]; xa != "" {
			set["XAUTHORITY"] = xa
		}
		return set, sd
	}
	set, d := look()
	if d.Ready {
		return set, nil
	}
	if limit <= 0 {
		return nil, &NoDisplayError{Why: d.Problem()}
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, &NoDisplayError{Why: d.Problem()}
		case <-t.C:
			if set, d = look(); d.Ready {
				return set, nil
			}
		}
	}
}

// TrayHostPresent reports whether a StatusNotifierItem host (the tray) exists on the session bus.
// GNOME without the AppIndicator extension has none. On other systems it reports true.
func TrayHostPresent() bool {
	switch runtime.GOOS {
	case "windows", "darwin":
		return true
	}
	conn, err := dbus.SessionBus()
	if err != nil {
		return false
	}
	var has bool
	err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.kde.StatusNotifierWatcher").Store(&has)
	return err == nil && has
}
