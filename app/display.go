package app

import (
	"context"
	"errors"
	"runtime"
	"time"

	"github.com/godbus/dbus/v5"
)

// ErrNoDisplay means there is no graphical session to show a tray in.
var ErrNoDisplay = errors.New("no graphical session found")

// HasDisplay reports whether a graphical session is reachable. Only Linux and the BSDs can
// lack one while a user is logged in; elsewhere it is always true.
func HasDisplay(getenv func(string) string) bool {
	switch runtime.GOOS {
	case "windows", "darwin":
		return true
	}
	return getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != ""
}

// WaitForDisplay waits up to limit for a display to appear (started at login too early).
func WaitForDisplay(ctx context.Context, limit time.Duration, getenv func(string) string) error {
	if HasDisplay(getenv) {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ErrNoDisplay
		case <-t.C:
			if HasDisplay(getenv) {
				return nil
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
