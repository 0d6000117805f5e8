// Package cli is the paywatch command: its subcommands, and the wiring of the watcher to the
// tray, the desktop notifications and the team channels.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/paywatch/paywatch/app"
	"github.com/paywatch/paywatch/app/logfile"
	"github.com/paywatch/paywatch/assets"
	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/demo"
)

// Set with -ldflags "-X github.com/paywatch/paywatch/internal/cli.version=…" by the Makefile.
var version = "0.1.0"

const (
	appID   = "io.paywatch.Paywatch"
	appName = "Paywatch"
)

func usage(w io.Writer) {
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
  paywatch version                      print the version
`)
}

// Run runs the paywatch command line (without the program name) and returns its exit code.
func Run(args []string, stdout, stderr io.Writer) int {
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

type trayOptions struct {
	config      string
	demo        bool
	waitDisplay time.Duration
}

func runTray(o trayOptions, stdout, stderr io.Writer) int {
	log, closeLog := openLog(stderr)
	defer closeLog()
	set, err := app.WaitForDisplay(context.Background(), o.waitDisplay, os.Getenv, app.SessionEnv)
	if err != nil {
		if o.waitDisplay > 0 {
			// Started at login before the desktop existed: one log line and a clean exit, so
			// the service manager does not restart it in a loop; the next login starts it again.
			log.Error("no graphical session found at login; not starting", "waited", o.waitDisplay.String(), "why", noDisplayWhy(err))
			return 0
		}
		fmt.Fprintf(stderr, "paywatch: %v; to check services from a terminal, run: paywatch status\n", err)
		return 1
	}
	for k, v := range set {
		os.Setenv(k, v) // the session's display, published after this process started
		log.Info("graphical session found", k, v)
	}
	lockDir, err := app.LockDir()
	if err != nil {
		fmt.Fprintf(stderr, "paywatch: %v\n", err)
		return 1
	}
	inst, err := app.AcquireInstance(lockDir)
	if errors.Is(err, app.ErrAlreadyRunning) {
		fmt.Fprintln(stdout, "Paywatch is already running: look for its icon in the system tray.")
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "paywatch: %v\n", err)
		return 1
	}
	defer inst.Release()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	fetcher := newFetcher()
	var cfg *monitor.Config
	var notice string
	if o.demo {
		url, story, stop, err := startDemo()
		if err != nil {
			fmt.Fprintf(stderr, "paywatch: %v\n", err)
			return 1
		}
		defer stop()
		cfg = demoConfig(url, story)
		fmt.Fprintf(stdout, "Demo: simulated status pages at %s; the story takes about 80 seconds.\n", url)
		go story.Run(ctx, time.Now(), func(s string) { fmt.Fprintf(stdout, "Demo: %s\n", s) })
	} else {
		cfg, notice = loadConfigForTray(o.config, log)
	}
	specs, err := resolve(cfg, fetcher)
	if err != nil {
		// Services that could be resolved are still watched; the rest are named in the menu.
		log.Error("some services could not be set up", "err", err)
		notice = "Some services in your settings could not be set up; run: paywatch config check"
	}

	fyneapp.SetMetadata(fyne.AppMetadata{ID: appID, Name: appName, Version: version, Icon: fyne.NewStaticResource("paywatch.png", assets.AppIcon()), Release: true})
	a := fyneapp.NewWithID(appID)
	a.SetIcon(fyne.NewStaticResource("paywatch.png", assets.AppIcon()))

	var conn *monitor.Connectivity
	if !o.demo {
		conn = monitor.NewConnectivity(cfg.Connectivity.Canaries, fetcher)
	}
	statePath := alertStatePath()
	if o.demo {
		statePath = "" // the demo's made-up services leave nothing behind
	}
	state, serr := monitor.LoadPolicyState(statePath)
	if serr != nil {
		log.Warn("alert state reset", "err", serr)
	}
	watcher := monitor.NewWatcher(specs, monitor.WatcherOptions{
		Alerts: cfg.Alerts, Logger: log, Connectivity: conn,
		Policy: monitor.NewPolicy(cfg.Alerts, monitor.PerServiceSeverity(specs), time.Local),
		State:  state, StatePath: statePath,
	})
	tray, hasTray := app.NewFyneTray(a)
	var t app.Tray
	if hasTray {
		t = tray
	}
	login, lerr := autostartManager(false, o.config)
	if lerr != nil {
		log.Warn("start at login unavailable", "err", lerr)
	}
	disp, channelsDone := startChannels(ctx, cfg, log)
	act := app.Actions{CheckNow: watcher.CheckNow, Quit: a.Quit, Snooze: watcher.Snooze, Resume: watcher.Resume, Acknowledge: watcher.Acknowledge,
		Problems: channelProblems(disp)}
	if login != nil {
		act.StartAtLogin = login.Enabled
		act.SetStartAtLogin = func(on bool) error {
			if on {
				return login.Enable()
			}
			return login.Disable()
		}
	}
	desk := app.NewDesktop(a, t, act, log)
	notifier, err := app.NewBeeep(appName, iconDir())
	if err != nil {
		log.Error("notifications unavailable", "err", err)
	}
	desk.SetNotice(notice)

	fromWatcher := make(chan monitor.Update, 4)
	updates := make(chan monitor.Update, 4)
	done := make(chan struct{}, 4)
	a.Lifecycle().SetOnStarted(func() {
		go func() { watcher.Run(ctx, fromWatcher); done <- struct{}{} }()
		go func() { fanOut(ctx, fromWatcher, updates, disp); done <- struct{}{} }()
		go func() { desk.Run(ctx, updates); done <- struct{}{} }()
		go func() {
			if notifier != nil {
				app.Deliver(ctx, notifier, desk.Notifications(), log)
			}
			done <- struct{}{}
		}()
		go watchTrayHost(ctx, desk, hasTray, log)
	})
	a.Run()
	cancel()
	for range 4 {
		<-done
	}
	<-channelsDone
	return 0
}

// watchTrayHost shows the status window when no tray exists to show the icon in, instead of
// running invisibly (GNOME without the AppIndicator extension).
func watchTrayHost(ctx context.Context, desk *app.Desktop, hasTray bool, log *slog.Logger) {
	select {
	case <-ctx.Done():
		return
	case <-time.After(3 * time.Second):
	}
	if hasTray && app.TrayHostPresent() {
		return
	}
	log.Warn("no system tray found; showing the status window")
	fyne.Do(func() {
		desk.Window().SetNote("Your desktop has no system tray, so Paywatch shows this window instead. On GNOME, install and turn on the \"AppIndicator and KStatusNotifierItem Support\" extension to get the tray icon.")
		desk.Window().Show()
	})
}

func noDisplayWhy(err error) string {
	if nd, ok := errors.AsType[*app.NoDisplayError](err); ok {
		return nd.Why
	}
	return err.Error()
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

func startDemo() (string, *demo.Story, func(), error) {
	story := demo.NewStory()
	srv := demo.NewServer(nil, story.Pages...)
	url, err := srv.Listen()
	if err != nil {
		return "", nil, nil, err
	}
	return url, story, func() { srv.Close() }, nil
}

func demoConfig(base string, story *demo.Story) *monitor.Config {
	c := &monitor.Config{}
	for _, p := range story.Pages {
		c.Services = append(c.Services, monitor.ServiceConfig{Name: p.Name, URL: base + "/" + p.ID, Platform: "statuspage", Interval: monitor.Duration(2 * time.Second)})
	}
	return c
}
