package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"

	"github.com/paywatch/paywatch/app"
	"github.com/paywatch/paywatch/app/autostart"
	"github.com/paywatch/paywatch/monitor"
)

// cmdRun is `paywatch run --headless`: the engine and desktop notifications, no tray, as a
// proper service (clean stop on SIGTERM or a service stop).
func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("paywatch run", stderr)
	headless := fs.Bool("headless", false, "run without a tray icon")
	cfgPath := fs.String("config", "", "settings file")
	if !parseOptions(fs, args, stderr) {
		return 64
	}
	if !*headless {
		return Run(append([]string{"--config", *cfgPath}, fs.Args()...), stdout, stderr)
	}
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
	var notifier app.Notifier
	if b, err := app.NewBeeep(appName, iconDir()); err == nil {
		notifier = b
	}
	engine := func(ctx context.Context) error {
		disp := newChannels(cfg, log, alertStatePath())
		w, desktop := newWatcher(watchOptions{cfg: cfg, specs: specs, log: log, statePath: alertStatePath(), channels: disp,
			conn: monitor.NewConnectivity(cfg.Connectivity.Canaries, fetcher)})
		err := watch(ctx, w, notifySink(notifier, desktop, log), channelSink(disp))
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
func notifySink(n app.Notifier, wants monitor.Sink, log *slog.Logger) sink {
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
