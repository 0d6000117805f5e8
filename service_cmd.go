package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/paywatch/paywatch/app"
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

// cmdRun is `paywatch run --headless`: the engine and desktop notifications, no tray, as a
// proper service (clean stop on SIGTERM or a service stop).
func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("paywatch run", stderr)
	headless := fs.Bool("headless", false, "run without a tray icon")
	cfgPath := fs.String("config", "", "settings file")
	cpuProfile := fs.String("cpuprofile", "", "") // for make bench-engine; not in the help
	memProfile := fs.String("memprofile", "", "")
	if !parseOptions(fs, args, stderr) {
		return 64
	}
	if !*headless {
		return run(append([]string{"--config", *cfgPath}, fs.Args()...), stdout, stderr)
	}
	stopProfiles, err := startProfiles(*cpuProfile, *memProfile)
	if err != nil {
		fmt.Fprintf(stderr, "paywatch: %v\n", err)
		return 1
	}
	defer stopProfiles()
	log, closeLog := openLog(stderr)
	defer closeLog()
	cfg, notice := loadConfigForTray(*cfgPath, log)
	if notice != "" {
		log.Warn(notice)
	}
	fetcher := newFetcher()
	specs, err := resolve(cfg, fetcher)
	if err != nil {
		log.Error("some services could not be set up", "err", err)
	}
	notifier, nerr := app.NewBeeep(appName, iconDir())
	engine := func(ctx context.Context) error {
		state, serr := monitor.LoadPolicyState(alertStatePath())
		if serr != nil {
			log.Warn("alert state reset", "err", serr)
		}
		w := monitor.NewWatcher(specs, monitor.WatcherOptions{
			Alerts: cfg.Alerts, Logger: log, Connectivity: monitor.NewConnectivity(cfg.Connectivity.Canaries, fetcher),
			Policy: monitor.NewPolicy(cfg.Alerts, monitor.PerServiceSeverity(specs), time.Local),
			State:  state, StatePath: alertStatePath(),
		})
		disp, channelsDone := startChannels(ctx, cfg, log)
		defer func() { <-channelsDone }()
		updates := make(chan monitor.Update, 4)
		go func() {
			for u := range updates {
				for _, n := range u.Notifications {
					if disp != nil {
						disp.Send(n)
					}
					log.Info("notification", "service", n.ServiceID, "title", n.Title)
					if nerr == nil {
						if err := notifier.Notify(n); err != nil {
							log.Debug("desktop notification not shown", "err", err)
						}
					}
				}
			}
		}()
		err := w.Run(ctx, updates)
		close(updates)
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	}
	log.Info("running headless", "services", strconv.Itoa(len(specs)))
	if err := autostart.RunHeadless(autostart.Options{}, engine, log); err != nil {
		fmt.Fprintf(stderr, "paywatch: %v\n", err)
		return 1
	}
	return 0
}
