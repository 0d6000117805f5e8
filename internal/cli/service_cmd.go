package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/paywatch/paywatch/app/autostart"
	"github.com/paywatch/paywatch/app/logfile"
	"github.com/paywatch/paywatch/monitor"
)

// loginArgs are what the login entry starts the tray app with: it waits for the display,
// since a login manager may start it a moment before the desktop exists.
var loginArgs = []string{"--wait-display=30s"}

func autostartManager(headless bool, cfgPath string) (*autostart.Manager, error) {
	o := autostart.Options{Args: loginArgs, Headless: headless}
	if cfgPath != "" {
		abs, err := filepath.Abs(cfgPath)
		if err != nil {
			return nil, err
		}
		cfgPath = abs
	}
	if headless {
		o.Args = []string{"run", "--headless"}
	}
	if cfgPath != "" {
		o.Args = append(o.Args, "--config", cfgPath)
	}
	return autostart.New(o)
}

func cmdService(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("paywatch service", stderr)
	headless := fs.Bool("headless", false, "a background service for the whole machine, without a tray icon")
	cfgPath := fs.String("config", "", "settings file the service uses")
	words, err := parseInterspersed(fs, args)
	if err != nil {
		return 64
	}
	if len(words) != 1 {
		fmt.Fprintln(stderr, "paywatch service: say one of install, uninstall, start, stop, status")
		return 64
	}
	if !hasDesktop && !*headless && (words[0] == "install" || words[0] == "start") {
		// A login entry would start the tray app, which this build does not have.
		fmt.Fprintln(stderr, noDesktopService)
		return noDesktopExit
	}
	if words[0] == "install" && *cfgPath != "" {
		// The login entry would start the app on a file that is not there or not valid.
		if _, err := monitor.LoadConfig(*cfgPath); isNotExist(err) {
			fmt.Fprintf(stderr, "paywatch: not installed: there is no settings file at %s\n", *cfgPath)
			return 1
		} else if err != nil {
			fmt.Fprintf(stderr, "paywatch: not installed: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
			return 1
		}
	}
	m, err := autostartManager(*headless, *cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "paywatch: %v\n", err)
		return 1
	}
	if err := autostart.Command(words[0], m, stdout); err != nil {
		fmt.Fprintf(stderr, "paywatch: %v\n", err)
		return 1
	}
	return 0
}

func cmdLogs(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("paywatch logs", stderr)
	n := fs.Int("n", 40, "how many lines to show")
	if !parseOptions(fs, args, stderr) || !positive(*n > 0, fs, "-n", "-n 40", stderr) {
		return 64
	}
	dir, err := logfile.DefaultDir()
	if err != nil {
		fmt.Fprintf(stderr, "paywatch: %v\n", err)
		return 1
	}
	path := filepath.Join(dir, logfile.FileName)
	fmt.Fprintf(stdout, "Log file: %s\n", path)
	lines, err := logfile.Tail(path, *n)
	if errors.Is(err, fs_ErrNotExist) {
		fmt.Fprintln(stdout, "(empty: Paywatch has not written a log yet)")
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "paywatch: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, strings.Join(lines, "\n"))
	return 0
}

var fs_ErrNotExist = fs.ErrNotExist

// openLog returns a logger writing to stderr and to the rotating log file (a login-started app
// has no terminal); if the file cannot be opened, stderr alone, and says so.
func openLog(stderr io.Writer) (*slog.Logger, func()) {
	w, _, err := logfile.Open("")
	if err != nil {
		log := newLogger(stderr)
		log.Warn("no log file", "err", err)
		return log, func() {}
	}
	return slog.New(slog.NewTextHandler(io.MultiWriter(stderr, w), &slog.HandlerOptions{Level: slog.LevelInfo})), func() { w.Close() }
}
