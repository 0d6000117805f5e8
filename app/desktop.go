package app

import (
	"context"
	"log/slog"
	"net/url"
	"slices"
	"time"

	"fyne.io/fyne/v2"

	"github.com/paywatch/paywatch/assets"
	"github.com/paywatch/paywatch/monitor"
)

// Actions are the user's commands, flowing back to the engine as plain calls.
type Actions struct {
	CheckNow func()
	Quit     func()
	// StartAtLogin reports whether Paywatch is set to start at login; SetStartAtLogin changes
	// it. Both may run external programs (systemctl), so they are called off the Fyne goroutine.
	StartAtLogin    func() (bool, error)
	SetStartAtLogin func(bool) error
}

// Desktop keeps the tray, the status window and the notification queue in step with the
// monitor's snapshots.
type Desktop struct {
	app     fyne.App
	tray    Tray
	actions Actions
	log     *slog.Logger
	notes   chan monitor.Notification

	// Owned by the Fyne goroutine:
	snap      monitor.Snapshot
	iconState string
	labels    []string
	window    *StatusWindow
	notice    string
	login     loginState
}

type loginState struct {
	known, on, busy bool
	err             string
}

// NewDesktop wires a desktop around a Fyne app and its tray (tray may be nil: window only).
func NewDesktop(a fyne.App, tray Tray, act Actions, log *slog.Logger) *Desktop {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Desktop{app: a, tray: tray, actions: act, log: log, notes: make(chan monitor.Notification, 64)}
	d.window = NewStatusWindow(a, act, d.openURL)
	return d
}

// Notifications is the queue that Deliver drains.
func (d *Desktop) Notifications() <-chan monitor.Notification { return d.notes }

// Window is the status window.
func (d *Desktop) Window() *StatusWindow { return d.window }

// SetNotice shows a line at the top of the menu and window (e.g. a settings-file problem).
// Call it on the Fyne goroutine.
func (d *Desktop) SetNotice(s string) { d.notice = s; d.render() }

// Run applies updates until ctx ends. It refreshes the "checked … ago" ages every 10 s.
func (d *Desktop) Run(ctx context.Context, updates <-chan monitor.Update) {
	if d.actions.StartAtLogin != nil {
		go d.refreshLogin(nil)
	}
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case u := <-updates:
			for _, n := range u.Notifications {
				select {
				case d.notes <- n:
				default:
					d.log.Warn("notification dropped: queue full", "service", n.ServiceID)
				}
			}
			fyne.Do(func() { d.snap = u.Snapshot; d.render() })
		case <-tick.C:
			fyne.Do(d.render)
		}
	}
}

// Apply sets a snapshot and redraws; for the Fyne goroutine (and tests).
func (d *Desktop) Apply(s monitor.Snapshot) { d.snap = s; d.render() }

func (d *Desktop) render() {
	now := time.Now()
	if d.tray != nil {
		if st := IconState(d.snap); st != d.iconState {
			if res, err := TrayIcon(st); err == nil {
				d.tray.SetIcon(res)
				d.iconState = st
			} else {
				d.log.Error("tray icon missing", "state", st, "err", err)
			}
		}
		m := d.Menu(now)
		if labels := menuLabels(m); !slices.Equal(labels, d.labels) {
			d.tray.SetMenu(m)
			d.labels = labels
		}
		d.tray.SetTooltip(Tooltip(d.snap))
	}
	d.window.Render(d.snap, d.notice, now)
}

// Menu builds the tray menu from the snapshot: one line per service, then the commands.
func (d *Desktop) Menu(now time.Time) *fyne.Menu {
	var items []*fyne.MenuItem
	if d.notice != "" {
		n := fyne.NewMenuItem(d.notice, nil)
		n.Disabled = true
		items = append(items, n)
	}
	if d.snap.Offline {
		n := fyne.NewMenuItem("You appear to be offline", nil)
		n.Disabled = true
		items = append(items, n)
	}
	var pages []*fyne.MenuItem
	for _, sv := range d.snap.Services {
		link := sv.URL
		items = append(items, fyne.NewMenuItem(ServiceLine(sv, now), d.window.Show))
		if link != "" {
			pages = append(pages, fyne.NewMenuItem(sv.Name, func() { d.openURL(link) }))
		}
	}
	items = append(items, fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Check now", d.actions.CheckNow))
	open := fyne.NewMenuItem("Open status page", nil)
	open.ChildMenu = fyne.NewMenu("", pages...)
	if len(pages) == 0 {
		open.Disabled = true
	}
	if d.actions.StartAtLogin != nil {
		login := fyne.NewMenuItem("Start at login", d.toggleLogin)
		login.Checked = d.login.on
		login.Disabled = !d.login.known || d.login.busy
		if d.login.err != "" {
			login.Label = "Start at login (" + d.login.err + ")"
		}
		items = append(items, login)
	}
	quit := fyne.NewMenuItem("Quit", d.actions.Quit)
	quit.IsQuit = true
	items = append(items, open, fyne.NewMenuItem("Open status window", d.window.Show), fyne.NewMenuItemSeparator(), quit)
	return fyne.NewMenu("Paywatch", items...)
}

// toggleLogin runs on the Fyne goroutine (a menu action); the change itself runs off it.
func (d *Desktop) toggleLogin() {
	if d.actions.SetStartAtLogin == nil || d.login.busy {
		return
	}
	want := !d.login.on
	d.login.busy = true
	d.render()
	go d.refreshLogin(func() error { return d.actions.SetStartAtLogin(want) })
}

// refreshLogin applies an optional change, reads the real installed state and shows it.
func (d *Desktop) refreshLogin(change func() error) {
	var errText string
	if change != nil {
		if err := change(); err != nil {
			d.log.Warn("start at login change failed", "err", err)
			errText = "could not change it; see paywatch logs"
		}
	}
	on, err := d.actions.StartAtLogin()
	if err != nil {
		d.log.Warn("start at login state unknown", "err", err)
		errText = "unavailable"
	}
	fyne.Do(func() {
		d.login = loginState{known: err == nil, on: on, err: errText}
		d.render()
	})
}

func menuLabels(m *fyne.Menu) []string {
	var out []string
	var walk func(*fyne.Menu)
	walk = func(m *fyne.Menu) {
		for _, it := range m.Items {
			label := it.Label
			if it.Checked {
				label += " [x]"
			}
			if it.Disabled {
				label += " [disabled]"
			}
			out = append(out, label)
			if it.ChildMenu != nil {
				walk(it.ChildMenu)
			}
		}
	}
	walk(m)
	return out
}

func (d *Desktop) openURL(raw string) {
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	if err := d.app.OpenURL(u); err != nil {
		d.log.Warn("open page failed", "url", raw, "err", err)
	}
}

// TrayIcon returns the embedded PNG for a state as a non-themed resource (colours are kept).
func TrayIcon(state string) (fyne.Resource, error) {
	b, err := assets.TrayIcon(state, 64)
	if err != nil {
		return nil, err
	}
	return fyne.NewStaticResource("paywatch-"+state+".png", b), nil
}
