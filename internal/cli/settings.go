//go:build !headless

package cli

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"github.com/paywatch/paywatch/app"
	"github.com/paywatch/paywatch/internal/atomicfile"
	"github.com/paywatch/paywatch/internal/configedit"
	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/channels"
	"github.com/paywatch/paywatch/monitor/detect"
)

// checkSettings is `paywatch config check` on a document: the settings' own rules with the
// catalog ids, platforms and channel addresses Paywatch knows, then every service resolved
// against the catalog (without the network).
func checkSettings(doc []byte) error {
	c, err := monitor.ParseConfigKnown(doc, knownNames())
	if err != nil {
		return err
	}
	_, err = monitor.Resolve(c, mustCatalog(), checkOnlyBuilders())
	return err
}

// settingsPath is the settings file the tray reads: --config, or the user's.
func settingsPath(explicit string) (string, error) {
	if explicit != "" {
		return explicit, nil
	}
	return monitor.ConfigPath()
}

// lookPage reads the status page at an address, as `paywatch detect` does.
func lookPage(ctx context.Context, address string) (app.Page, error) {
	r, err := detect.Detect(ctx, newFetcher(), address, detectCandidates(bigFetcher()))
	if err != nil {
		return app.Page{}, err
	}
	p := app.Page{Name: r.PageName, URL: r.Endpoint, Platform: r.Platform, Label: r.Label, State: r.State}
	if p.Name == "" {
		p.Name = nameFromURL(r.URL)
	}
	for _, c := range r.Report.Components {
		p.Components = append(p.Components, c.Name)
	}
	return p, nil
}

// testChannel sends the test message to one address, as `paywatch notify test` does.
func testChannel(ctx context.Context, name, address string) error {
	d, err := channels.New([]monitor.ChannelConfig{{Name: name, URL: address}}, nil)
	if err != nil {
		return err
	}
	for _, r := range d.Test(ctx) {
		if !r.OK {
			return errors.New(r.Error)
		}
	}
	return nil
}

// welcomeDonePath marks that the welcome window was shown, so it never opens again on its own.
func welcomeDonePath(settings string) string {
	return filepath.Join(filepath.Dir(settings), ".welcome-done")
}

// needsWelcome: the first start with the user's own settings file missing.
func needsWelcome(o trayOptions, settings string) bool {
	if o.demo || o.config != "" || settings == "" {
		return false
	}
	if _, err := os.Stat(settings); !errors.Is(err, os.ErrNotExist) {
		return false
	}
	_, err := os.Stat(welcomeDonePath(settings))
	return errors.Is(err, os.ErrNotExist)
}

// settingsUI builds the settings window and, on the first start, the welcome window. It returns
// nil when there is no settings file to edit (the demo).
type settingsUI struct {
	settings *app.SettingsWindow
	welcome  *app.WelcomeWindow
}

func newSettingsUI(a fyne.App, o trayOptions, login func() (bool, error), setLogin func(bool) error, live *liveWatch, log *slog.Logger) *settingsUI {
	if o.demo {
		return nil
	}
	path, err := settingsPath(o.config)
	if err != nil {
		log.Warn("settings window unavailable", "err", err)
		return nil
	}
	file, err := configedit.Open(path, checkSettings)
	if err != nil {
		log.Warn("settings window unavailable", "err", err)
		return nil
	}
	deps := app.SettingsDeps{
		File: file, Catalog: mustCatalog(), Look: lookPage, TestChannel: testChannel,
		StartAtLogin: login, SetStartAtLogin: setLogin,
		OpenFile: func(p string) error { return a.OpenURL(&url.URL{Scheme: "file", Path: p}) },
		Changed:  live.Reload,
		Log:      func(msg string, args ...any) { log.Warn(msg, args...) },
	}
	ui := &settingsUI{settings: app.NewSettingsWindow(a, deps)}
	if needsWelcome(o, path) {
		live.Hold()
		ui.welcome = app.NewWelcomeWindow(a, deps, checkSettings, func() {
			if err := atomicfile.Write(welcomeDonePath(path), []byte("The welcome window was shown; delete this file to see it again.\n"), 0o600); err != nil {
				log.Warn("could not note that the welcome was shown", "err", err)
			}
			live.Reload()
			live.Release()
		})
	}
	return ui
}

// show opens the settings window; for the tray menu (on the Fyne goroutine).
func (u *settingsUI) show() { u.settings.Show() }

// foreground is called when Paywatch comes to the front: a settings file edited by hand in the
// meantime is shown as it is now.
func (u *settingsUI) foreground() { u.settings.Reload() }

// generation is one watcher with what it was built from; a change of settings makes a new one.
type generation struct {
	watcher *monitor.Watcher
	desktop monitor.Sink
	disp    *channels.Dispatcher
}

// liveWatch runs the watch with the settings of the moment: Reload stops the watcher, reads the
// settings again and starts a new watcher, while the desktop and its notifications run on. The
// tray's commands always reach the watcher of the moment.
type liveWatch struct {
	log    *slog.Logger
	build  func() (generation, string)
	reload chan struct{}
	// extra is a sink every generation's updates also go to (the history's recorder, whose
	// writer runs once for the process); problems are menu lines of its own.
	extra    sink
	problems func() []string

	mu   sync.Mutex
	cur  generation
	held chan struct{} // closed when watching may start; nil when it may at once
}

func newLiveWatch(first generation, build func() (generation, string), log *slog.Logger) *liveWatch {
	return &liveWatch{cur: first, build: build, log: log, reload: make(chan struct{}, 1)}
}

func (l *liveWatch) now() generation {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cur
}

// Hold keeps the watch from starting until Release (the welcome window is open).
func (l *liveWatch) Hold() {
	l.mu.Lock()
	l.held = make(chan struct{})
	l.mu.Unlock()
}

// Release lets the watch start.
func (l *liveWatch) Release() {
	l.mu.Lock()
	if l.held != nil {
		close(l.held)
		l.held = nil
	}
	l.mu.Unlock()
}

// Reload asks for the settings to be read again; it never waits.
func (l *liveWatch) Reload() {
	select {
	case l.reload <- struct{}{}:
	default: // one is pending already
	}
}

func (l *liveWatch) CheckNow()                         { l.now().watcher.CheckNow() }
func (l *liveWatch) Snooze(id string, until time.Time) { l.now().watcher.Snooze(id, until) }
func (l *liveWatch) Resume(id string)                  { l.now().watcher.Resume(id) }
func (l *liveWatch) Acknowledge(key string)            { l.now().watcher.Acknowledge(key) }

// Problems is what the tray shows about team channels that fail to deliver.
func (l *liveWatch) Problems() []string {
	var lines []string
	if f := channelProblems(l.now().disp); f != nil {
		lines = f()
	}
	if l.problems != nil {
		lines = append(lines, l.problems()...)
	}
	return lines
}

// run watches until ctx ends, sending the desktop's updates to toDesktop and starting over
// with new settings on Reload. notice is told what the menu should say about the settings.
func (l *liveWatch) run(ctx context.Context, toDesktop chan<- monitor.Update, notice func(string)) {
	l.mu.Lock()
	held := l.held
	l.mu.Unlock()
	if held != nil {
		select {
		case <-ctx.Done():
			return
		case <-held:
		}
	}
	for {
		select {
		case <-l.reload:
			g, n := l.build()
			l.mu.Lock()
			l.cur = g
			l.mu.Unlock()
			notice(n)
		default:
		}
		g := l.now()
		desktop := g.desktop
		relay := sink{name: "desktop", wants: &desktop, run: func(ctx context.Context, updates <-chan monitor.Update) {
			for {
				select {
				case <-ctx.Done():
					return
				case u := <-updates:
					select {
					case toDesktop <- u:
					case <-ctx.Done():
						return
					}
				}
			}
		}}
		gctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := watch(gctx, g.watcher, relay, channelSink(g.disp), l.extra); err != nil && !errors.Is(err, context.Canceled) {
				l.log.Warn("watcher stopped", "err", err)
			}
		}()
		select {
		case <-ctx.Done():
			stop()
			<-done
			return
		case <-l.reload:
			stop()
			<-done
			// Put the request back for the top of the loop, which reads the settings again.
			l.Reload()
		}
	}
}

// buildGeneration reads the settings and makes a watcher of them, as runTray does at start.
func buildGeneration(o trayOptions, base watchOptions, fetcher *monitor.Fetcher, log *slog.Logger) (generation, string) {
	cfg, notice := loadConfigForTray(o.config, log)
	wo := base
	wo.conn = monitor.NewConnectivity(cfg.Connectivity.Canaries, fetcher)
	specs, unresolved := resolveWatched(cfg, fetcher, log)
	notice = joinNotices(notice, unresolved)
	wo.cfg, wo.specs = cfg, specs
	disp := newChannels(cfg, log, wo.statePath)
	recordOutcomes(disp, wo.history)
	wo.channels = disp
	w, desktop := newWatcher(wo)
	log.Info("settings applied", "services", len(specs), "channels", len(cfg.Channels))
	return generation{watcher: w, desktop: desktop, disp: disp}, notice
}
