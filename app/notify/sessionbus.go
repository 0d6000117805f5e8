package notify

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// NoBusAddress is what DBUS_SESSION_BUS_ADDRESS is set to when there is no session bus: an
// address nothing listens on, so that no D-Bus client in this process starts a bus of its own
// (godbus and libdbus "autolaunch" one when the variable is unset, and it outlives Paywatch).
const NoBusAddress = "disabled:"

// SessionBus reports whether a D-Bus session bus is there to show desktop notifications on
// Linux (elsewhere notifications need none), and if not, why. getenv is os.Getenv; the socket
// is looked for where D-Bus clients look: $XDG_RUNTIME_DIR/bus, then /run/user/<uid>/bus.
func SessionBus(getenv func(string) string) (ok bool, why string) {
	if runtime.GOOS != "linux" {
		return true, ""
	}
	switch addr := getenv("DBUS_SESSION_BUS_ADDRESS"); {
	case addr == NoBusAddress:
		return false, "the session bus is disabled (DBUS_SESSION_BUS_ADDRESS=" + addr + ")"
	case addr != "" && !strings.HasPrefix(addr, "autolaunch:"):
		return true, ""
	}
	for _, dir := range []string{getenv("XDG_RUNTIME_DIR"), "/run/user/" + strconv.Itoa(os.Getuid())} {
		if dir == "" {
			continue
		}
		if fi, err := os.Stat(filepath.Join(dir, "bus")); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return true, ""
		}
	}
	return false, "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set and there is no bus socket in the runtime folder)"
}
