package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"

	"github.com/paywatch/paywatch/app/autostart"
	"github.com/paywatch/paywatch/app/instance"
	"github.com/paywatch/paywatch/app/notify"
	"github.com/paywatch/paywatch/monitor"
)

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
		return Run(append([]string{"--config", *cfgPath}, fs.Args()...), stdout, stderr)
	}
	tuneMemory(headlessGCPercent)
	stopProfiles, err := startProfiles(*cpuProfile, *memProfile)
	if err != nil {
		fmt.Fprintf(stderr, "paywatch: %v\n", err)
		return 1
	}
	defer stopProfiles()
	log, closeLog := openLog(stderr)
	defer closeLog()
	// One Paywatch per user and settings file, as for the tray: two would send everything twice.
	lockDir, err := instance.Dir()
	if err != nil {
		fmt.Fprintf(stderr, "paywatch: %v\n", err)
		return 1
	}
	def, _ := monitor.ConfigPath()
	inst, err := instance.Acquire(lockDir, instance.Name(*cfgPath, def))
	if errors.Is(err, instance.ErrAlreadyRunning) {
		fmt.Fprintf(stdout, "%s for this user and settings file: not starting a second one.\n", err)
		log.Info("not starting: already running", "err", err)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "paywatch: %v\n", err)
		return 1
	}
	defer inst.Release()
	cfg, notice := loadConfigForTray(*cfgPath, log)
	if notice != "" {
		log.Warn(notice)
	}
	fetcher := newFetcher()
	specs, _ := resolveWatched(cfg, fetcher, log) // headless has no menu: the log says it
	var notifier notify.Notifier
	if ok, why := notify.SessionBus(os.Getenv); !ok {
		// A machine service has no desktop. Starting a bus to show notifications nobody sees
		// would leave a dbus-daemon running after Paywatch ends: say so once, and make sure no
		// D-Bus client in this process starts one.
		log.Info("desktop notifications are off: notifications go to the log and the team channels", "why", why)
		os.Setenv("DBUS_SESSION_BUS_ADDRESS", notify.NoBusAddress)
	} else if b, err := notify.NewBeeep(appName, iconDir()); err == nil {
		notifier = b
	}
	hist, _ := openHistory(cfg, log) // its notice is logged; paywatch status shows a file moved aside
	if hist != nil {
		defer hist.Close() // after the engine, and so the history's writer, has returned
	}
	engine := func(ctx context.Context) error {
		disp := newChannels(cfg, log, alertStatePath())
		w, desktop := newWatcher(watchOptions{cfg: cfg, specs: specs, log: log, statePath: alertStatePath(), channels: disp,
			conn: monitor.NewConnectivity(cfg.Connectivity.Canaries, fetcher), history: hist})
		recordOutcomes(disp, hist)
		err := watch(ctx, w, notifySink(notifier, desktop, log), channelSink(disp), historySink(hist, log), releaseSink())
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

// notifySink logs every notification the desktop's threshold wants and shows it as a desktop
// notification (when there is a notification service: a machine service may have none).
func notifySink(n notify.Notifier, wants monitor.Sink, log *slog.Logger) sink {
	return sink{name: "desktop", wants: &wants, run: func(ctx context.Context, updates <-chan monitor.Update) {
		for {
			select {
			case <-ctx.Done():
				return
			case u := <-updates:
				for _, note := range u.Notifications {
					log.Info("notification", "service", note.ServiceID, "title", note.Title)
					if n == nil {
						continue
					}
					if err := n.Notify(note); err != nil {
						log.Debug("desktop notification not shown", "err", err)
					}
				}
			}
		}
	}}
}
