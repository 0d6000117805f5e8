//go:build !headless

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/paywatch/paywatch/app"
	"github.com/paywatch/paywatch/app/notify"
	"github.com/paywatch/paywatch/assets"
	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/demo"
	"github.com/paywatch/paywatch/monitor/history"
)

type trayOptions struct {
	config      string
	demo        bool
	waitDisplay time.Duration
}

// runTray is the tray app: the status icon, its menu and window, and desktop notifications,
// next to the team channels.
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
	if !app.IsDefaultConfig(o.config) {
		// One Paywatch per settings file too, so that a headless one on the same file does not
		// send everything a second time (the default file's lock is the one just taken).
		cfgInst, err := app.AcquireInstanceFor(lockDir, o.config)
		if errors.Is(err, app.ErrAlreadyRunning) {
			fmt.Fprintf(stdout, "%s for this user and settings file: not starting a second one.\n", err)
			return 0
		}
		if err == nil {
			defer cfgInst.Release()
		}
	}

	tuneMemory(trayGCPercent)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Every goroutine started here is waited for once the Fyne app has quit.
	var wg sync.WaitGroup

	fetcher := newFetcher()
	var cfg *monitor.Config
	var notice string
	wo := watchOptions{log: log, statePath: alertStatePath()}
	if o.demo {
		url, story, stop, err := startDemo()
		if err != nil {
			fmt.Fprintf(stderr, "paywatch: %v\n", err)
			return 1
		}
		defer stop()
		cfg = demoConfig(url, story)
		wo.statePath = "" // the demo's made-up services leave nothing behind
		fmt.Fprintf(stdout, "Demo: simulated status pages at %s; the story takes about 80 seconds.\n", url)
		wg.Go(func() { story.Run(ctx, time.Now(), func(s string) { fmt.Fprintf(stdout, "Demo: %s\n", s) }) })
	} else {
		cfg, notice = loadConfigForTray(o.config, log)
		wo.conn = monitor.NewConnectivity(cfg.Connectivity.Canaries, fetcher)
	}
	specs, unresolved := resolveWatched(cfg, fetcher, log) // the rest are named in the menu
	notice = joinNotices(notice, unresolved)
	wo.cfg, wo.specs = cfg, specs

	fyneapp.SetMetadata(fyne.AppMetadata{ID: appID, Name: appName, Version: version, Icon: fyne.NewStaticResource("paywatch.png", assets.AppIcon()), Release: true})
	a := fyneapp.NewWithID(appID)
	a.SetIcon(fyne.NewStaticResource("paywatch.png", assets.AppIcon()))

	disp := newChannels(cfg, log, wo.statePath)
	wo.channels = disp
	var hist *history.Store
	if !o.demo { // the demo's made-up services stay out of the history
		var hnotice string
		hist, hnotice = openHistory(cfg, log)
		notice = joinNotices(notice, hnotice)
	}
	if hist != nil {
		defer hist.Close() // after every goroutine, and so the history's writer, has returned
	}
	recordOutcomes(disp, hist)
	wo.history = hist
	watcher, desktop := newWatcher(wo)
	tray, hasTray := app.NewFyneTray(a)
	var t app.Tray
	if hasTray {
		t = tray
	}
	login, lerr := autostartManager(false, o.config)
	if lerr != nil {
		log.Warn("start at login unavailable", "err", lerr)
	}
	// The watcher is rebuilt when the settings change (the settings window); the tray's
	// commands reach the watcher of the moment. The history's writer runs once for the
	// process (below); each watcher's updates are recorded in it.
	live := newLiveWatch(generation{watcher: watcher, desktop: desktop, disp: disp}, func() (generation, string) {
		return buildGeneration(o, wo, fetcher, log)
	}, log)
	live.extra = historyRecorder(hist, log)
	live.problems = historyProblems(statusOf(hist))
	act := app.Actions{CheckNow: live.CheckNow, Quit: a.Quit, Snooze: live.Snooze, Resume: live.Resume, Acknowledge: live.Acknowledge,
		Problems: live.Problems}
	if login != nil {
		act.StartAtLogin = login.Enabled
		act.SetStartAtLogin = func(on bool) error {
			if on {
				return login.Enable()
			}
			return login.Disable()
		}
	}
	var desk *app.Desktop
	setLogin := act.SetStartAtLogin
	if setLogin != nil {
		// A change made in the settings or welcome window shows in the menu's tick too.
		setLogin = func(on bool) error { err := act.SetStartAtLogin(on); desk.RefreshLogin(); return err }
	}
	settings := newSettingsUI(a, o, act.StartAtLogin, setLogin, live, log)
	if settings != nil {
		act.Settings = settings.show
		a.Lifecycle().SetOnEnteredForeground(settings.foreground)
	}
	desk = app.NewDesktop(a, t, act, log)
	desk.SetHistory(trayHistory(wo.history, cfg))
	notifier, err := notify.NewBeeep(appName, iconDir())
	if err != nil {
		log.Error("notifications unavailable", "err", err)
	}
	desk.SetNotice(notice)
	// Starting up (the settings, the catalog, the first round of checks and the menus it drew)
	// leaves garbage that an idle tray app would otherwise keep for many minutes: give it back
	// once the first round is shown.
	desk.SetOnSettled(debug.FreeOSMemory)
	desk.Prepare()

	tr := sink{name: "desktop", run: func(ctx context.Context, updates <-chan monitor.Update) {
		var wg sync.WaitGroup
		wg.Go(func() { desk.Run(ctx, updates) })
		if notifier != nil {
			wg.Go(func() { notify.Deliver(ctx, notifier, desk.Notifications(), log) })
		}
		wg.Go(func() { watchTrayHost(ctx, desk, hasTray, log) })
		wg.Wait()
	}}
	toDesktop := make(chan monitor.Update, 4)
	a.Lifecycle().SetOnStarted(func() {
		if hist != nil {
			wg.Go(func() { runHistory(ctx, hist, log) })
		}
		wg.Go(func() { tr.run(ctx, toDesktop) })
		wg.Go(func() { live.run(ctx, toDesktop, func(n string) { fyne.Do(func() { desk.SetNotice(n) }) }) })
		if settings != nil && settings.welcome != nil {
			settings.welcome.Show()
		}
	})
	a.Run()
	cancel()
	wg.Wait()
	return 0
}

// trayGCPercent is the tray app's garbage-collection target (GOGC, unless set in the
// environment): the heap may grow by a quarter of what is live before a collection, not double.
// Idle, the tray allocates about 3 KB a second (20 services every 30 s), so a collection comes
// every few minutes and costs a millisecond or two; the default let the heap grow by its whole
// live size, memory a tray app sitting in the background holds on to.
const trayGCPercent = 25

// watchTrayHost shows the status window when no tray exists to show the icon in, instead of
// running invisibly (GNOME without the AppIndicator extension).
func watchTrayHost(ctx context.Context, desk *app.Desktop, hasTray bool, log *slog.Logger) {
	t := time.NewTimer(3 * time.Second)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return
	case <-t.C:
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
