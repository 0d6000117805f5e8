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
func runTray(_ trayOptions, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, noDesktop)
	return noDesktopExit
}
