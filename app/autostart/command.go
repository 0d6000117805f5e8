package autostart

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Command performs one action of `paywatch service ACTION` — install,
// uninstall, start, stop or status — and prints its outcome to out as one
// line of plain English, saying which method was used. A failure is
// returned as an error that says, in words, what could not be done.
func Command(action string, m *Manager, out io.Writer) error {
	msg, err := m.command(action)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, msg)
	return err
}

func (m *Manager) command(action string) (string, error) {
	t := m.texts()
	switch action {
	case "install":
		res, b, err := m.install()
		if err != nil {
			return "", m.failure(t.cannotInstall, err)
		}
		if res == AlreadyInstalled {
			return fmt.Sprintf(t.alreadyInstalled, where(b.method(), b.location())), nil
		}
		return fmt.Sprintf(t.installed, where(b.method(), b.location())), nil
	case "uninstall":
		res, err := m.Uninstall()
		if err != nil {
			return "", m.failure(t.cannotUninstall, err)
		}
		if res == NotInstalled {
			return t.notInstalled, nil
		}
		return t.uninstalled, nil
	case "start":
		res, err := m.Start()
		if err != nil {
			return "", m.failure("could not start Paywatch", err)
		}
		switch res {
		case NotInstalled:
			return t.installFirst, nil
		case AlreadyRunning:
			return "Paywatch is already running.", nil
		}
		return "Paywatch is running.", nil
	case "stop":
		res, err := m.Stop()
		if err != nil {
			return "", m.failure("could not stop Paywatch", err)
		}
		switch res {
		case NotInstalled:
			return t.notInstalled, nil
		case NotRunning:
			return "Paywatch is not running.", nil
		}
		return "Paywatch is stopped.", nil
	case "status":
		st, err := m.Status()
		if err != nil {
			return "", m.failure("could not find out whether Paywatch is running", err)
		}
		switch {
		case st.Installed && st.Running:
			return fmt.Sprintf(t.statusRunning, where(st.Method, st.Location)), nil
		case st.Installed:
			return fmt.Sprintf(t.statusStopped, where(st.Method, st.Location)), nil
		case st.Running:
			return t.runningOnly, nil
		}
		return t.notInstalled, nil
	}
	return "", fmt.Errorf("unknown action %q: use install, uninstall, start, stop or status", action)
}

// texts are the messages for the tray at login, or for the headless service.
type texts struct {
	installed, alreadyInstalled, uninstalled, notInstalled  string
	installFirst, statusRunning, statusStopped, runningOnly string
	cannotInstall, cannotUninstall                          string
}

func (m *Manager) texts() texts {
	if m.o.Headless {
		return texts{
			installed:        "Paywatch is now installed as a background service (%s). It will start whenever the computer starts.",
			alreadyInstalled: "Paywatch is already installed as a background service (%s).",
			uninstalled:      "Paywatch's background service has been removed.",
			notInstalled:     "Paywatch is not installed as a background service.",
			installFirst:     `Paywatch is not installed as a background service, so there is nothing to start. Run "paywatch service install --headless" first.`,
			statusRunning:    "Paywatch is running as a background service (%s).",
			statusStopped:    "Paywatch is stopped. It is installed as a background service (%s).",
			runningOnly:      "Paywatch is running, but it is not installed as a background service.",
			cannotInstall:    "could not install Paywatch as a background service",
			cannotUninstall:  "could not remove Paywatch's background service",
		}
	}
	return texts{
		installed:        "Paywatch will now start when you log in (%s).",
		alreadyInstalled: "Paywatch is already set to start at login (%s).",
		uninstalled:      "Paywatch will no longer start when you log in.",
		notInstalled:     "Paywatch is not set to start at login.",
		installFirst:     `Paywatch is not set to start at login, so there is nothing to start. Run "paywatch service install" first.`,
		statusRunning:    "Paywatch is running. It starts when you log in (%s).",
		statusStopped:    "Paywatch is stopped. It starts when you log in (%s).",
		runningOnly:      "Paywatch is running, but it is not set to start at login.",
		cannotInstall:    "could not set Paywatch to start at login",
		cannotUninstall:  "could not stop Paywatch starting at login",
	}
}

// where names the method and its location, as in
// "systemd user unit ~/.config/systemd/user/paywatch.service".
func where(method, location string) string {
	return method + " " + shortPath(location)
}

// failure turns err into what the user reads, with a hint when it lacked
// the rights to do it.
func (m *Manager) failure(what string, err error) error {
	if errors.Is(err, fs.ErrPermission) {
		hint := "you do not have the rights to do this"
		switch {
		case m.o.Headless && runtime.GOOS == "windows":
			hint = `this needs administrator rights: run it from a command prompt opened with "Run as administrator"`
		case m.o.Headless:
			hint = "this needs administrator rights: run it again with sudo"
		}
		return fmt.Errorf("%s (%s): %w", what, hint, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// shortPath writes a path in the home folder as ~/…, as people know it.
func shortPath(p string) string {
	if runtime.GOOS == "windows" || !filepath.IsAbs(p) {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" || home == "/" {
		return p
	}
	if rest, ok := strings.CutPrefix(p, home+string(filepath.Separator)); ok {
		return "~/" + rest
	}
	return p
}
