//go:build headless

package cli

import (
	"fmt"
	"io"
	"time"
)

// hasDesktop: the headless build (go build -tags headless, make build-headless) has no tray
// app, settings window, welcome window or demo, and links no Fyne or OpenGL, so that it starts
// on a server without X libraries and takes less memory. Its other commands are the same.
const hasDesktop = false

type trayOptions struct {
	config      string
	demo        bool
	waitDisplay time.Duration
}

// runTray says that the tray app is not in this build and what to run instead.
func runTray(o trayOptions, _, stderr io.Writer) int {
	if o.waitDisplay > 0 {
		// Started by a login entry (one the ordinary build installed): one log line and a clean
		// exit, so that the service manager does not restart it in a loop.
		log, closeLog := openLog(stderr)
		defer closeLog()
		log.Error("not starting at login: this is the headless build, without the tray app",
			"instead", "paywatch service uninstall, then paywatch service install --headless")
		return 0
	}
	fmt.Fprintln(stderr, noDesktop)
	return noDesktopExit
}
