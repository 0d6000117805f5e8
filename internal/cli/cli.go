// Package cli is the paywatch command: its subcommands, and the wiring of the watcher to the
// tray, the desktop notifications and the team channels.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/paywatch/paywatch/app/logfile"
	"github.com/paywatch/paywatch/monitor"
)

// Set with -ldflags "-X github.com/paywatch/paywatch/internal/cli.version=…" by the Makefile.
var version = "0.1.0"

const (
	appID   = "io.paywatch.Paywatch"
	appName = "Paywatch"
)

// What the headless build (hasDesktop false) says when asked for something that needs the
// desktop: one line and exit code 2.
const (
	noDesktopExit = 2
	noDesktop     = "paywatch: this is the headless build of Paywatch, without the tray app or its windows: " +
		"to watch and notify, run: paywatch run --headless (or install it as a service: paywatch service install --headless); " +
		"to check once: paywatch status"
	// The login entry that `paywatch service install` and `start` manage without --headless
	// starts the tray app.
	noDesktopService = "paywatch service: this is the headless build of Paywatch, without the tray app that " +
		"starts when you log in: for the background service, run: paywatch service install --headless"
)

func usage(w io.Writer) {
	if !hasDesktop {
		fmt.Fprint(w, `This is the headless build of Paywatch, without the tray app or its windows: paywatch,
paywatch --demo and paywatch run without --headless are not in it.

`)
	}
	fmt.Fprint(w, `Paywatch shows whether card and payment services are working, from your system tray.

Usage:
  paywatch [--config FILE] [--demo]     start the tray app
  paywatch status [--json] [--config FILE]
                                        check every service once and print the result
                                        (exit 0 all fine, 1 maintenance or degraded,
                                        2 an outage, 3 could not tell or offline)
  paywatch config path                  print where the settings file lives
  paywatch config check [FILE]          check a settings file for mistakes
  paywatch catalog [QUERY] [--json]     list the services Paywatch knows
  paywatch detect URL [--json]          find which platform serves a status page
  paywatch service install|uninstall|start|stop|status [--headless]
                                        start Paywatch when you log in (or, with
                                        --headless, as a service for the whole machine)
  paywatch run --headless [--config FILE]
                                        watch and notify without a tray icon
  paywatch logs [-n LINES]              print where the log file is and its last lines
  paywatch notify test [--config FILE]  send a test message to every team channel
  paywatch history [SERVICE…] [--since 7d | --from DATE --to DATE] [--json | --csv]
                                        what happened: state changes, incidents with
                                        their texts, notifications, spells not watched
  paywatch history --clear              delete the whole history
  paywatch uptime [--days 90] [--json]  per service and day, the time in each state
                                        and the time not watched
  paywatch report --from DATE --to DATE [--service ID…] --out FILE
                                        the evidence pack for a period: FILE ends in
                                        .html, .csv or .json
                                        (DATE: 2026-03-10, local time, or RFC 3339)
  paywatch version                      print the version
`)
}

// Run runs the paywatch command line (without the program name) and returns its exit code.
func Run(args []string, stdout, stderr io.Writer) int {
	// No allocation sampling unless a memory profile is asked for (startProfiles turns it back
	// on): the sampled call stacks are memory kept for the life of the process, for a profile
	// nobody reads.
	runtime.MemProfileRate = 0
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "status":
			return cmdStatus(args[1:], stdout, stderr)
		case "config":
			return cmdConfig(args[1:], stdout, stderr)
		case "catalog":
			return cmdCatalog(args[1:], stdout, stderr)
		case "detect":
			return cmdDetect(args[1:], stdout, stderr)
		case "notify":
			return cmdNotify(args[1:], stdout, stderr)
		case "service":
			return cmdService(args[1:], stdout, stderr)
		case "logs":
			return cmdLogs(args[1:], stdout, stderr)
		case "run":
			return cmdRun(args[1:], stdout, stderr)
		case "history":
			return cmdHistory(args[1:], stdout, stderr)
		case "uptime":
			return cmdUptime(args[1:], stdout, stderr)
		case "report":
			return cmdReport(args[1:], stdout, stderr)
		case "version":
			fmt.Fprintf(stdout, "%s %s\n", appName, version)
			return 0
		case "help":
			usage(stdout)
			return 0
		}
		fmt.Fprintf(stderr, "paywatch: unknown command %q (run paywatch help)\n", args[0])
		return 64
	}
	fs := newFlags("paywatch", stderr)
	fs.Usage = func() {}
	cfgPath := fs.String("config", "", "settings file (default: "+defaultConfigPath()+")")
	demoMode := fs.Bool("demo", false, "watch a simulated status server instead of real services")
	showVersion := fs.Bool("version", false, "print the version")
	waitDisplay := fs.Duration("wait-display", 0, "wait this long for a graphical session (used when started at login)")
	cpuProfile := fs.String("cpuprofile", "", "") // for profiling the tray app (BenchmarkIdle); not in the help
	memProfile := fs.String("memprofile", "", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout)
			return 0
		}
		fmt.Fprintln(stderr, "paywatch: the options are listed by: paywatch help")
		return 64
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "paywatch: unexpected argument %q (run paywatch help)\n", fs.Arg(0))
		return 64
	}
	if *showVersion {
		fmt.Fprintf(stdout, "%s %s\n", appName, version)
		return 0
	}
	stopProfiles, err := startProfiles(*cpuProfile, *memProfile)
	if err != nil {
		fmt.Fprintf(stderr, "paywatch: %v\n", err)
		return 1
	}
	defer stopProfiles()
	return runTray(trayOptions{config: *cfgPath, demo: *demoMode, waitDisplay: *waitDisplay}, stdout, stderr)
}

// newFlags makes a command's flag set: a mistake gets one line naming it and where to look,
// not a page of usage.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(oneLine{name: name, w: stderr})
	fs.Usage = func() { fmt.Fprintf(stderr, "%s: its options are listed by: paywatch help\n", name) }
	return fs
}

// parseOptions parses a command's options and refuses words left over, in one line: a command
// that takes none must not quietly ignore, say, a service name it cannot narrow to.
func parseOptions(fs *flag.FlagSet, args []string, stderr io.Writer) bool {
	if err := fs.Parse(args); err != nil {
		return false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected %q: it takes only options (see paywatch help)\n", fs.Name(), fs.Arg(0))
		return false
	}
	return true
}

// positive says in one line that a duration or count option must be more than zero.
func positive(ok bool, fs *flag.FlagSet, option, example string, stderr io.Writer) bool {
	if !ok {
		fmt.Fprintf(stderr, "%s: %s must be more than 0 (for example %s)\n", fs.Name(), option, example)
	}
	return ok
}

// oneLine turns the flag package's error message into a single line with the command's name.
type oneLine struct {
	name string
	w    io.Writer
}

func (o oneLine) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	if msg == "" {
		return len(p), nil
	}
	_, err := fmt.Fprintf(o.w, "%s: %s\n", o.name, msg)
	return len(p), err
}

func defaultConfigPath() string {
	p, err := monitor.ConfigPath()
	if err != nil {
		return "(unavailable)"
	}
	return p
}

// alertStatePath is where what was notified, snoozed and acknowledged is kept: next to the log
// on Linux and Windows (the XDG state or the local cache folder), and in Application Support on
// macOS, whose log folder (~/Library/Logs) is no place for state.
func alertStatePath() string {
	dir, err := logfile.DefaultDir()
	if runtime.GOOS == "darwin" {
		if d, cerr := os.UserConfigDir(); cerr == nil {
			dir, err = filepath.Join(d, "paywatch"), nil
		}
	}
	if err != nil {
		dir = filepath.Join(os.TempDir(), "paywatch")
	}
	return filepath.Join(dir, "alerts.json")
}

// alertStateFallback is where the alert state goes when its own place cannot be written: the
// config folder (or, where the state lives there already, the cache folder), so that a restart
// does not repeat what was told.
func alertStateFallback(primary string) string {
	for _, dir := range []func() (string, error){os.UserConfigDir, os.UserCacheDir} {
		d, err := dir()
		if err != nil {
			continue
		}
		if p := filepath.Join(d, "paywatch", "alerts-state.json"); filepath.Dir(p) != filepath.Dir(primary) {
			return p
		}
	}
	return filepath.Join(os.TempDir(), "paywatch-alerts-state.json")
}

func iconDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		d = os.TempDir()
	}
	return filepath.Join(d, "paywatch", "icons")
}

func newLogger(stderr io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func userAgent() string {
	return fmt.Sprintf("Paywatch/%s (+https://github.com/paywatch/paywatch; status monitor)", version)
}

func newFetcher() *monitor.Fetcher {
	return monitor.NewFetcher(monitor.FetcherOptions{UserAgent: userAgent()})
}
