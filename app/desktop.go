package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"github.com/paywatch/paywatch/app/statustext"
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
	// Snooze silences a service (id "" for all) until a time; Resume ends it.
	Snooze func(id string, until time.Time)
	Resume func(id string)
	// Acknowledge silences an open incident (monitor.IncidentKey) unless it gets worse.
	Acknowledge func(key string)
	// Problems returns extra lines for the menu, such as team channels that fail to deliver.
	Problems func() []string
	// Settings opens the settings window; nil leaves it out of the menu.
	Settings func()
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
	snap       monitor.Snapshot
	alerts     monitor.AlertView
	iconState  string
	labels     []string
	tooltip    string
	window     *StatusWindow
	notice     string
	baseNotice string // set by SetNotice; an update's own Notice comes before it
	login      loginState

	// Start-at-login reads and changes run off the Fyne goroutine (they may run systemctl);
	// Run waits for them before it returns, and none starts once it has.
	loginMu      sync.Mutex
	loginWG      sync.WaitGroup
	loginStopped bool

	// settled is called once by Run, when every service has been checked once and the menu
	// showing it is drawn (SetOnSettled); settling and settleSaid (Fyne goroutine) are that it
	// is due and that it was said, through settledC.
	settled              func()
	settling, settleSaid bool
	settledC             chan struct{}
	// redraw takes the time of the next redraw from the Fyne goroutine to Run.
	redraw chan time.Time
	// menuSet is when the menu was last set; menuDue when one held back is due (draw).
	menuSet, menuDue time.Time
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
	d := &Desktop{app: a, tray: tray, actions: act, log: log, notes: make(chan monitor.Notification, 64), redraw: make(chan time.Time, 1), settledC: make(chan struct{}, 1)}
	d.window = NewStatusWindow(a, act, d.openURL)
	d.window.shown = func() { d.setRedraw(d.nextRedraw(time.Now())) }
	return d
}

// SetHistory gives the status window Paywatch's record (its daily bars, and a *History…* menu
// entry) and, when export is not nil, an *Export evidence…* button. Call it before Prepare.
func (d *Desktop) SetHistory(h History, export ExportFunc) { d.window.SetHistory(h, export) }

// SetOnSettled has f called once, off the Fyne goroutine, when every service has been checked
// once and the tray shows it: the start-up work is over (the tray app then lets go of the memory
// it took). Call it before Run.
func (d *Desktop) SetOnSettled(f func()) { d.settled = f }

// Notifications is the queue that Deliver drains.
func (d *Desktop) Notifications() <-chan monitor.Notification { return d.notes }

// Window is the status window.
func (d *Desktop) Window() *StatusWindow { return d.window }

// SetNotice sets a line for the top of the menu and window (e.g. a settings-file problem).
// Call it before Prepare; it draws nothing itself.
func (d *Desktop) SetNotice(s string) { d.notice, d.baseNotice = s, s }

// Prepare draws the tray menu, icon and window once, before the Fyne app runs: Fyne starts its
// system tray only for a menu set before Run. Call it on the main goroutine before the app's
// Run, where Fyne runs the calls at once, as it would on its own goroutine later.
func (d *Desktop) Prepare() { d.render() }

// Run applies updates until ctx ends. It returns once the start-at-login reads and changes it
// started have.
//
// Anything a person would notice (a state, an incident, offline, a snooze, a problem line)
// redraws at once. Times shown ("checked 2 min ago", "until 15:30", "planned tomorrow") are
// redrawn when they would read differently, and an open status window every 10 s; nothing else
// wakes the tray between polls: a poll that changes nothing but a check time draws nothing.
func (d *Desktop) Run(ctx context.Context, updates <-chan monitor.Update) {
	defer d.stopLogin()
	if d.actions.StartAtLogin != nil {
		d.goLogin(nil)
	}
	redraw := time.NewTimer(time.Hour)
	redraw.Stop()
	defer redraw.Stop()
	var shown string
	var shownServices []monitor.ServiceStatus // what shown was computed from
	var shownProblems []string
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
			// A snapshot's services are shared, never modified: the same ones as last time
			// need no new signature unless what surrounds them moved.
			sig := shown
			if !sameServices(u.Snapshot.Services, shownServices) || !strings.HasPrefix(shown, signatureHead(u)) {
				sig = signature(u)
			}
			// Problem lines (a team channel failing, the history not saved) come from elsewhere;
			// they are looked at with each update.
			var problems []string
			if d.actions.Problems != nil {
				problems = d.actions.Problems()
			}
			now := sig != shown || !slices.Equal(problems, shownProblems)
			shown, shownServices, shownProblems = sig, u.Snapshot.Services, problems
			fyne.Do(func() {
				d.snap, d.alerts = u.Snapshot, u.Alerts
				d.settling = d.settling || !d.settleSaid && u.Snapshot.AllChecked()
				// The watcher's own problem (the alert state cannot be saved) comes first.
				d.notice = u.Notice
				if d.notice == "" {
					d.notice = d.baseNotice
				}
				if now {
					d.draw(true)
				} else {
					d.setRedraw(d.nextRedraw(time.Now())) // the check times moved on
				}
			})
		case at := <-d.redraw:
			redraw.Stop()
			if !at.IsZero() {
				redraw.Reset(time.Until(at))
			}
		case <-redraw.C:
			fyne.Do(d.render)
		case <-d.settledC:
			if d.settled != nil {
				d.settled()
			}
		}
	}
}

// windowRefresh is how often an open status window is redrawn.
const windowRefresh = 10 * time.Second

// nextRedraw is the first time after now at which the tray's menu would read differently with
// the same snapshot (an age, a snooze or a maintenance coming or going, a day name), or
// windowRefresh from now while the status window is open; zero if there is none. For the Fyne
// goroutine.
func (d *Desktop) nextRedraw(now time.Time) time.Time {
	var next time.Time
	at := func(t time.Time) {
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	dated := false // a line says "today", "tomorrow" or a day: it changes at midnight
	for _, sv := range d.snap.Services {
		if !sv.CheckedAt.IsZero() {
			at(AgoChanges(sv.CheckedAt, now))
		}
		for _, m := range sv.Maintenances {
			if !m.Filtered && !m.InProgress && !m.EndsAt.IsZero() {
				at(m.EndsAt) // it leaves the menu
			}
		}
		if _, ok := NextMaintenance(sv, now); ok {
			dated = true
		}
	}
	for _, u := range d.alerts.Snoozed {
		if u.After(now) {
			at(u)
			dated = true
		}
	}
	if u := d.alerts.SnoozedAll; u.After(now) {
		at(u)
		dated = true
	}
	if dated {
		y, m, day := now.Date()
		at(time.Date(y, m, day+1, 0, 0, 0, 0, now.Location()))
	}
	if d.window.visible {
		at(now.Add(windowRefresh))
	}
	if due := d.menuDue; !due.IsZero() && (next.IsZero() || due.Before(next)) {
		next = due // a menu held back (draw): at its time, even if that has just passed
	}
	return next
}

// setRedraw hands Run the time of the next redraw (zero: none), replacing one not yet taken.
func (d *Desktop) setRedraw(at time.Time) {
	select {
	case <-d.redraw:
	default:
	}
	select {
	case d.redraw <- at:
	default:
	}
}

// signature is what a person would see change in an update, apart from ages.
func signature(u monitor.Update) string {
	var b strings.Builder
	b.WriteString(signatureHead(u))
	for _, sv := range u.Snapshot.Services {
		fmt.Fprintf(&b, "%s=%d,%v,%v,%s", sv.ID, sv.State, sv.Stale, sv.CheckedAt.IsZero(), sv.Reason)
		for _, in := range sv.Incidents {
			b.WriteString("," + in.Title)
		}
		for _, c := range sv.Components {
			fmt.Fprintf(&b, ",%d", c.State)
		}
		for _, m := range sv.Maintenances {
			fmt.Fprintf(&b, ",%s,%v,%v,%d,%d", m.Title, m.InProgress, m.Filtered, m.StartsAt.Unix(), m.EndsAt.Unix())
		}
		b.WriteByte(';')
	}
	return b.String()
}

// signatureHead is the part of the signature outside the services.
func signatureHead(u monitor.Update) string {
	return fmt.Sprintf("%v|%s|%v|%d|%d|%s;", u.Snapshot.Offline, u.Snapshot.OfflineReason, u.Alerts.SnoozedAll.Unix(), len(u.Alerts.Snoozed), len(u.Alerts.Acked), u.Notice)
}

// sameServices reports whether a and b are the very same slice.
func sameServices(a, b []monitor.ServiceStatus) bool {
	return len(a) == len(b) && len(a) > 0 && &a[0] == &b[0]
}

// Apply sets a snapshot and redraws; for the Fyne goroutine (and tests).
func (d *Desktop) Apply(s monitor.Snapshot) { d.snap = s; d.render() }

func (d *Desktop) render() { d.draw(false) }

// menuGap is the least time between two menus set while updates come in: the first round of
// checks at start (one service after the other) or a storm of changes would otherwise have the
// whole menu built again, item by item over D-Bus, for each. The icon and the tooltip change
// at once; a change held back shows in the menu at most menuGap later.
const menuGap = time.Second

// draw redraws the tray and the window; with hold, a menu is set no sooner than menuGap after
// the last one, and a redraw is due then instead.
func (d *Desktop) draw(hold bool) {
	now := time.Now()
	d.menuDue = time.Time{}
	if d.tray != nil {
		if st := IconState(d.snap); st != d.iconState {
			if res, err := TrayIcon(st); err == nil {
				d.tray.SetIcon(res)
				d.iconState = st
			} else {
				d.log.Error("tray icon missing", "state", st, "err", err)
			}
		}
		if next := d.menuSet.Add(menuGap); hold && now.Before(next) {
			d.menuDue = next
		} else {
			m := d.Menu(now)
			if labels := menuLabels(m); !slices.Equal(labels, d.labels) {
				d.tray.SetMenu(m)
				d.labels = labels
				d.menuSet = now
			}
		}
		if tip := statustext.Tooltip(d.snap); tip != d.tooltip {
			d.tray.SetTooltip(tip) // a D-Bus signal each time: only when it changes
			d.tooltip = tip
		}
	}
	d.window.Render(d.snap, d.notice, now)
	d.setRedraw(d.nextRedraw(now))
	if d.settling && d.menuDue.IsZero() {
		d.settling, d.settleSaid = false, true
		d.settledC <- struct{}{} // room for one, and it is sent once
	}
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
		reason := d.snap.OfflineReason
		if reason == "" || !strings.Contains(reason, "sign-in") {
			reason = "You appear to be offline"
		} else {
			reason = "A sign-in page is blocking the internet"
		}
		n := fyne.NewMenuItem(reason, nil)
		n.Disabled = true
		items = append(items, n)
	}
	if u := d.alerts.SnoozedAll; u.After(now) {
		n := fyne.NewMenuItem("Notifications paused until "+Until(u, now), nil)
		n.Disabled = true
		items = append(items, n)
	}
	if d.actions.Problems != nil {
		for _, p := range d.actions.Problems() {
			n := fyne.NewMenuItem(p, nil)
			n.Disabled = true
			items = append(items, n)
		}
	}
	var pages []*fyne.MenuItem
	for _, sv := range d.snap.Services {
		link := sv.URL
		line := fyne.NewMenuItem(ServiceLine(sv, now), d.window.Show)
		if len(sv.Components) > 0 || monitor.SourcesLine(sv.Sources) != "" {
			line.ChildMenu = d.serviceMenu(sv)
		}
		items = append(items, line)
		if m, ok := NextMaintenance(sv, now); ok {
			planned := fyne.NewMenuItem(sv.Name+" — "+MaintenanceLine(m, now), nil)
			planned.Disabled = true
			items = append(items, planned)
		}
		if link != "" {
			pages = append(pages, fyne.NewMenuItem(sv.Name, func() { d.openURL(link) }))
		}
	}
	items = append(items, d.ackItems()...)
	items = append(items, fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Check now", d.actions.CheckNow))
	if d.actions.Snooze != nil {
		items = append(items, d.snoozeMenu(now))
	}
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
	if d.actions.Settings != nil {
		items = append(items, fyne.NewMenuItem("Settings…", d.actions.Settings))
	}
	quit := fyne.NewMenuItem("Quit", d.actions.Quit)
	quit.IsQuit = true
	items = append(items, open, fyne.NewMenuItem("Open status window", d.window.Show))
	if d.window.history != nil {
		items = append(items, fyne.NewMenuItem("History…", d.window.ShowHistory))
	}
	items = append(items, fyne.NewMenuItemSeparator(), quit)
	return fyne.NewMenu("Paywatch", items...)
}

// maxComponents keeps a service's submenu short; the status window has the rest.
const maxComponents = 15

// serviceMenu says which source says what ("Official status: operational", "From your
// network: failing"), then lists the components with their states, problems first; components
// the user filtered out still show, marked as such.
func (d *Desktop) serviceMenu(sv monitor.ServiceStatus) *fyne.Menu {
	var items []*fyne.MenuItem
	if line := monitor.SourcesLine(sv.Sources); line != "" {
		for _, part := range strings.Split(line, " · ") {
			it := fyne.NewMenuItem(part, nil)
			it.Disabled = true
			items = append(items, it)
		}
		if len(sv.Components) > 0 {
			items = append(items, fyne.NewMenuItemSeparator())
		}
	}
	comps := ByProblem(sv.Components)
	for i, c := range comps {
		if i == maxComponents {
			more := fyne.NewMenuItem(fmt.Sprintf("…and %d more (open the status window)", len(comps)-maxComponents), d.window.Show)
			items = append(items, more)
			break
		}
		label := c.Name + " — " + c.State.Label()
		if c.Filtered {
			label += " (filtered out)"
		}
		it := fyne.NewMenuItem(label, nil)
		it.Disabled = true
		items = append(items, it)
	}
	items = append(items, fyne.NewMenuItemSeparator(), fyne.NewMenuItem("Open status window", d.window.Show))
	return fyne.NewMenu("", items...)
}

// ackItems offers "Acknowledge" for each open incident of a service with a problem.
func (d *Desktop) ackItems() []*fyne.MenuItem {
	if d.actions.Acknowledge == nil {
		return nil
	}
	var out []*fyne.MenuItem
	for _, sv := range d.snap.Services {
		if !sv.State.IsProblem() {
			continue
		}
		for _, in := range sv.Incidents {
			if in.Filtered {
				continue // never notified, so nothing to acknowledge
			}
			key := monitor.IncidentKey(sv.ID, in)
			title := monitor.Sanitize(in.Title, 60)
			if d.alerts.Acked[key] {
				it := fyne.NewMenuItem(fmt.Sprintf("Acknowledged: %s — %s", sv.Name, title), nil)
				it.Disabled = true
				out = append(out, it)
				continue
			}
			out = append(out, fyne.NewMenuItem(fmt.Sprintf("Acknowledge: %s — %s", sv.Name, title), func() { d.actions.Acknowledge(key) }))
		}
	}
	return out
}

// snoozeMenu offers 1 hour, 4 hours and until tomorrow morning, for all services or one.
func (d *Desktop) snoozeMenu(now time.Time) *fyne.MenuItem {
	choices := func(id string) []*fyne.MenuItem {
		snoozed := d.alerts.SnoozedAll
		if id != "" {
			snoozed = d.alerts.Snoozed[id]
		}
		if snoozed.After(now) {
			return []*fyne.MenuItem{fyne.NewMenuItem("Resume notifications (snoozed until "+Until(snoozed, now)+")", func() { d.actions.Resume(id) })}
		}
		return []*fyne.MenuItem{
			fyne.NewMenuItem("For 1 hour", func() { d.actions.Snooze(id, time.Now().Add(time.Hour)) }),
			fyne.NewMenuItem("For 4 hours", func() { d.actions.Snooze(id, time.Now().Add(4*time.Hour)) }),
			fyne.NewMenuItem("Until tomorrow morning", func() { d.actions.Snooze(id, monitor.UntilTomorrowMorning(time.Now())) }),
		}
	}
	all := fyne.NewMenuItem("All services", nil)
	all.ChildMenu = fyne.NewMenu("", choices("")...)
	sub := []*fyne.MenuItem{all}
	for _, sv := range d.snap.Services {
		it := fyne.NewMenuItem(sv.Name, nil)
		it.ChildMenu = fyne.NewMenu("", choices(sv.ID)...)
		sub = append(sub, it)
	}
	label := "Snooze notifications"
	if d.alerts.SnoozedAll.After(now) || len(d.alerts.Snoozed) > 0 {
		label = "Snooze notifications (some snoozed)"
	}
	m := fyne.NewMenuItem(label, nil)
	m.ChildMenu = fyne.NewMenu("", sub...)
	return m
}

// Until says when a snooze ends: "15:30", or "tomorrow 08:00".
func Until(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	if t.YearDay() == now.YearDay() && t.Year() == now.Year() {
		return t.Format("15:04")
	}
	if n := now.AddDate(0, 0, 1); t.YearDay() == n.YearDay() && t.Year() == n.Year() {
		return "tomorrow " + t.Format("15:04")
	}
	return t.Format("Mon 2 Jan 15:04")
}

// toggleLogin runs on the Fyne goroutine (a menu action); the change itself runs off it.
func (d *Desktop) toggleLogin() {
	if d.actions.SetStartAtLogin == nil || d.login.busy {
		return
	}
	want := !d.login.on
	d.login.busy = true
	d.render()
	d.goLogin(func() error { return d.actions.SetStartAtLogin(want) })
}

// RefreshLogin reads start at login again and redraws the menu, after it was changed elsewhere
// (the settings or welcome window). Safe from any goroutine.
func (d *Desktop) RefreshLogin() { d.goLogin(nil) }

// goLogin runs refreshLogin off the Fyne goroutine, unless Run has ended.
func (d *Desktop) goLogin(change func() error) {
	d.loginMu.Lock()
	defer d.loginMu.Unlock()
	if d.loginStopped {
		return
	}
	d.loginWG.Go(func() { d.refreshLogin(change) })
}

// stopLogin lets no more start-at-login work start and waits for what is running.
func (d *Desktop) stopLogin() {
	d.loginMu.Lock()
	d.loginStopped = true
	d.loginMu.Unlock()
	d.loginWG.Wait()
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
