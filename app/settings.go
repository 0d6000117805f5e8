package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
	"github.com/nicholas-fedor/shoutrrr/pkg/services/chat/teams"

	"github.com/paywatch/paywatch/internal/configedit"
	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/channels"
)

// Page is what a look-up found at a status page address.
type Page struct {
	// Name is the page's own name, or one made from its address when it gives none.
	Name string
	// URL is the address Paywatch polls; Platform reads it ("statuspage"); Label names the
	// platform for people ("Atlassian Statuspage").
	URL, Platform, Label string
	State                monitor.State
	// Components are the names of the page's components, as it lists them now.
	Components []string
}

// SettingsDeps is what the settings and welcome windows work with. The look-ups, tests and
// start-at-login calls may use the network or run programs: they are called off the Fyne
// goroutine.
type SettingsDeps struct {
	File    *configedit.File
	Catalog *monitor.Catalog
	// Look finds the status page at an address and reads it. Its error says in words what was
	// (not) found.
	Look func(ctx context.Context, address string) (Page, error)
	// TestChannel sends the test message to one team channel address; nil error means delivered.
	TestChannel func(ctx context.Context, name, address string) error
	// StartAtLogin and SetStartAtLogin read and change start at login; nil hides the choice.
	StartAtLogin    func() (bool, error)
	SetStartAtLogin func(bool) error
	// OpenFile opens the settings file in the user's editor.
	OpenFile func(path string) error
	// Changed is called after every change is saved, to apply it without a restart.
	Changed func()
	Log     func(msg string, args ...any)
}

// lookTimeout bounds a look-up of an address or a page's components.
const lookTimeout = 30 * time.Second

// defaultAlerts is a service's threshold when it has none of its own: the Notifications tab's.
const defaultAlerts = "Default alerts"

// severities are the thresholds a person can choose, least severe first.
var severities = []monitor.State{monitor.StateMaintenance, monitor.StateDegraded, monitor.StatePartialOutage, monitor.StateMajorOutage}

func severityLabels(withDefault string) []string {
	var out []string
	if withDefault != "" {
		out = append(out, withDefault)
	}
	for _, s := range severities {
		out = append(out, severityLabel(s))
	}
	return out
}

func severityLabel(s monitor.State) string {
	return map[monitor.State]string{
		monitor.StateMaintenance:   "Maintenance and worse",
		monitor.StateDegraded:      "Degraded and worse",
		monitor.StatePartialOutage: "Partial outage and worse",
		monitor.StateMajorOutage:   "Major outage only",
	}[s]
}

func severityFromLabel(l string) *monitor.State {
	for _, s := range severities {
		if severityLabel(s) == l {
			return &s
		}
	}
	return nil
}

// clockTimes are the choices of the time pickers: every half hour.
func clockTimes() []string {
	var out []string
	for m := 0; m < 24*60; m += 30 {
		out = append(out, fmt.Sprintf("%02d:%02d", m/60, m%60))
	}
	return out
}

var reminderChoices = []struct {
	label string
	every time.Duration
}{{"Off", 0}, {"Every 30 minutes", 30 * time.Minute}, {"Every hour", time.Hour}, {"Every 2 hours", 2 * time.Hour}, {"Every 4 hours", 4 * time.Hour}}

var intervalChoices = []struct {
	label string
	every time.Duration
}{{"Every 30 seconds", 30 * time.Second}, {"Every minute (recommended)", 0}, {"Every 2 minutes", 2 * time.Minute}, {"Every 5 minutes", 5 * time.Minute}, {"Every 15 minutes", 15 * time.Minute}}

// SettingsWindow is Paywatch's settings: services, notifications, team channels and general.
// Every change is checked like `paywatch config check`, saved at once and applied; a problem is
// shown next to the setting in words, and nothing is saved.
type SettingsWindow struct {
	app  fyne.App
	deps SettingsDeps
	win  fyne.Window
	cfg  *monitor.Config
	// loading is true while the widgets are being set from the file, so their change
	// callbacks save nothing.
	loading bool

	// Services tab.
	services      *fyne.Container
	servicesMsg   *widget.Label
	search        *widget.Entry
	results       *fyne.Container
	address       *widget.Entry
	lookBtn       *widget.Button
	found         *widget.Label
	addFound      *widget.Button
	foundPage     Page
	foundFor      string // the address foundPage was read from
	components    *fyne.Container
	componentsFor string
	// Notifications tab.
	minSeverity  *widget.Select
	ahead24      *widget.Check
	ahead1       *widget.Check
	quiet        *widget.Check
	quietFrom    *widget.Select
	quietTo      *widget.Select
	business     *widget.Check
	businessFrom *widget.Select
	businessTo   *widget.Select
	reminders    *widget.Select
	updates      *widget.Check
	alertsMsg    map[string]*widget.Label
	// Team channels tab.
	channelList *fyne.Container
	chanKind    *widget.Select
	chanName    *widget.Entry
	chanURL     *widget.Entry
	chanMsg     *widget.Label
	chanTest    *widget.Button
	chanAdd     *widget.Button
	// General tab.
	login    *widget.Check
	interval *widget.Select
	general  *widget.Label
	fileMsg  *widget.Label

	problems []*widget.Label

	wg     sync.WaitGroup
	inline bool // tests: background work runs in line
}

// NewSettingsWindow prepares the window; it is built on the first Show.
func NewSettingsWindow(a fyne.App, deps SettingsDeps) *SettingsWindow {
	if deps.Log == nil {
		deps.Log = func(string, ...any) {}
	}
	return &SettingsWindow{app: a, deps: deps}
}

// Show opens the window (or brings it up), with the settings as they are in the file now.
func (w *SettingsWindow) Show() {
	if w.win == nil {
		w.build()
	}
	if _, err := w.deps.File.Reload(); err != nil {
		w.deps.Log("settings file unreadable", "err", err)
	}
	w.refresh()
	w.win.Show()
	w.win.RequestFocus()
	w.win.Canvas().Focus(w.search)
}

// Reload reads the settings file again and, when it was changed outside Paywatch, shows it as
// it is now (for when Paywatch comes back to the front after the file was edited by hand).
func (w *SettingsWindow) Reload() {
	if w.win == nil {
		return
	}
	changed, err := w.deps.File.Reload()
	if err != nil {
		w.deps.Log("settings file unreadable", "err", err)
		return
	}
	if changed {
		w.refresh()
		say(w.fileMsg, "The settings file was changed outside Paywatch; this is what it says now.")
	}
}

// Window is the Fyne window, once shown.
func (w *SettingsWindow) Window() fyne.Window { return w.win }

// wait returns once the look-ups and tests started so far have shown their outcome.
func (w *SettingsWindow) wait() { w.wg.Wait() }

// background runs f off the Fyne goroutine (f shows its outcome through fyne.Do). Tests run it
// in line instead: Fyne's test driver runs fyne.Do's function on the calling goroutine.
func (w *SettingsWindow) background(f func()) {
	if w.inline {
		f()
		return
	}
	w.wg.Go(f)
}

func (w *SettingsWindow) build() {
	w.win = w.app.NewWindow("Paywatch — settings")
	tabs := container.NewAppTabs(
		container.NewTabItem("Services", w.servicesTab()),
		container.NewTabItem("Notifications", w.notificationsTab()),
		container.NewTabItem("Team channels", w.channelsTab()),
		container.NewTabItem("General", w.generalTab()),
	)
	w.win.SetContent(tabs)
	w.win.Resize(fyne.NewSize(640, 560))
	w.win.SetCloseIntercept(func() { w.win.Hide() })
}

// problemLabel is a label for what is wrong with a setting, shown next to it.
func (w *SettingsWindow) problemLabel() *widget.Label {
	l := problemLabel()
	w.problems = append(w.problems, l)
	return l
}

func problemLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.DangerImportance
	l.Hide()
	return l
}

func say(l *widget.Label, s string) {
	l.SetText(s)
	if s == "" {
		l.Hide()
	} else {
		l.Show()
	}
}

// apply saves edits and applies them. Problems go to msg (the label next to the setting) and
// the widgets are set back from the file. It reports whether the change was saved.
func (w *SettingsWindow) apply(msg *widget.Label, edits ...configedit.Edit) bool {
	res, err := w.deps.File.Apply(edits...)
	if err != nil {
		var inv *configedit.Invalid
		text := err.Error()
		if errors.As(err, &inv) {
			text = "Not saved: " + strings.Join(inv.Problems, "\n")
		}
		text = strings.ToUpper(text[:1]) + text[1:]
		w.refresh()
		say(msg, text)
		return false
	}
	w.refresh()
	for _, l := range w.problems {
		say(l, "") // the settings are valid now: what was refused before no longer stands
	}
	if res.Reloaded {
		say(msg, "Saved. The settings file had been changed outside Paywatch; those changes were kept.")
	} else {
		say(msg, "")
	}
	if w.deps.Changed != nil {
		w.deps.Changed()
	}
	return true
}

// refresh sets every widget from the file.
func (w *SettingsWindow) refresh() {
	cfg, err := w.deps.File.Config()
	if err != nil {
		say(w.fileMsg, "The settings file has problems, so the settings shown may be out of date; fix it by hand or run: paywatch config check\n"+err.Error())
		if w.cfg == nil {
			w.cfg = monitor.DefaultConfig()
		}
	} else {
		w.cfg = cfg
		say(w.fileMsg, "")
	}
	w.loading = true
	defer func() { w.loading = false }()
	w.refreshServices()
	w.refreshAlerts()
	w.refreshChannels()
	w.refreshGeneral()
}

// serviceName is how a service is called in the window.
func (w *SettingsWindow) serviceName(s monitor.ServiceConfig) string {
	if s.Name != "" {
		return s.Name
	}
	if e, ok := w.deps.Catalog.Lookup(s.Catalog); ok {
		return e.Name
	}
	return s.Catalog
}

// ---- Services ----

func (w *SettingsWindow) servicesTab() fyne.CanvasObject {
	w.services = container.NewVBox()
	w.servicesMsg = w.problemLabel()
	w.fileMsg = problemLabel()
	w.search = widget.NewEntry()
	w.search.SetPlaceHolder("Search: your bank, your card, your payment provider")
	w.results = container.NewVBox()
	w.search.OnChanged = func(string) { w.showResults() }
	// A status page address typed or pasted into the search box is looked up on Enter, and
	// added on a second Enter once its name and state are shown.
	w.search.OnSubmitted = func(q string) {
		q = strings.TrimSpace(q)
		switch {
		case !LooksLikeAddress(q), w.lookBtn.Disabled():
		case w.addFound.Visible() && w.foundFor == q:
			w.addFoundPage()
		default:
			w.lookUp(q)
		}
	}
	w.address = widget.NewEntry()
	w.address.SetPlaceHolder("…or paste a status page address, like status.example.com")
	w.found = widget.NewLabel("")
	w.found.Wrapping = fyne.TextWrapWord
	w.found.Hide()
	w.addFound = widget.NewButton("Add", w.addFoundPage)
	w.addFound.Hide()
	w.lookBtn = widget.NewButton("Look up", func() { w.lookUp(w.address.Text) })
	w.address.OnSubmitted = func(s string) { w.lookUp(s) }
	w.components = container.NewVBox()
	add := container.NewVBox(
		widget.NewLabelWithStyle("Add a service", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		w.search, w.results,
		container.NewBorder(nil, nil, nil, w.lookBtn, w.address),
		container.NewBorder(nil, nil, nil, w.addFound, w.found),
	)
	body := container.NewVBox(w.fileMsg,
		widget.NewLabelWithStyle("Watching", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		w.services, w.servicesMsg, w.components, widget.NewSeparator(), add)
	return container.NewVScroll(body)
}

func (w *SettingsWindow) refreshServices() {
	var rows []fyne.CanvasObject
	for _, s := range w.cfg.Services {
		id := s.ServiceID()
		name := widget.NewLabel(w.serviceName(s))
		sev := widget.NewSelect(severityLabels(defaultAlerts), nil)
		sev.SetSelected(defaultAlerts)
		if s.MinSeverity != nil {
			sev.SetSelected(severityLabel(*s.MinSeverity))
		}
		sev.OnChanged = func(l string) {
			if !w.loading {
				w.apply(w.servicesMsg, configedit.SetServiceMinSeverity(id, severityFromLabel(l)))
			}
		}
		comps := widget.NewButton("Components…", func() { w.showComponents(id) })
		if w.pageOf(s) == "" {
			comps.Disable() // a website check has no components
		}
		remove := widget.NewButton("Remove", func() { w.apply(w.servicesMsg, configedit.RemoveService(id)) })
		// Wide enough for "Partial outage and worse" without cutting it short.
		sevBox := container.NewGridWrap(fyne.NewSize(230, sev.MinSize().Height), sev)
		rows = append(rows, container.NewBorder(nil, nil, nil, container.NewHBox(sevBox, comps, remove), name))
	}
	w.services.Objects = rows
	w.services.Refresh()
}

// pageOf is the status page a service reads: its own or its catalog entry's.
func (w *SettingsWindow) pageOf(s monitor.ServiceConfig) string {
	if s.URL != "" {
		return s.URL
	}
	if e, ok := w.deps.Catalog.Lookup(s.Catalog); ok {
		return e.URL
	}
	return ""
}

// maxResults keeps the type-ahead short.
const maxResults = 8

func (w *SettingsWindow) showResults() {
	showCatalogResults(w.deps.Catalog, w.search.Text, w.results, w.cfg, w.addCatalog)
}

// LooksLikeAddress tells a status page address (status.example.com, https://…) from words to
// search the catalog for.
func LooksLikeAddress(q string) bool {
	q = strings.TrimSpace(q)
	return strings.Contains(q, "://") || (strings.Contains(q, ".") && !strings.ContainsAny(q, " \t"))
}

// showCatalogResults lists catalog entries matching q (names, ids, categories) as buttons that add
// them; entries already watched are shown as such.
func showCatalogResults(cat *monitor.Catalog, q string, into *fyne.Container, cfg *monitor.Config, add func(monitor.CatalogEntry)) {
	var rows []fyne.CanvasObject
	if LooksLikeAddress(q) {
		rows = append(rows, widget.NewLabel("Press Enter to read the status page at "+strings.TrimSpace(q)+"."))
	} else if strings.TrimSpace(q) != "" {
		found := cat.Search(q)
		if len(found) == 0 {
			rows = append(rows, widget.NewLabel(fmt.Sprintf("Nothing in Paywatch's list matches %q. If it has a status page, paste its address below.", strings.TrimSpace(q))))
		}
		for i, e := range found {
			if i == maxResults {
				rows = append(rows, widget.NewLabel(fmt.Sprintf("…and %d more: type more of the name", len(found)-maxResults)))
				break
			}
			label := fmt.Sprintf("%s — %s", e.Name, e.Category)
			b := widget.NewButton("Add "+label, func() { add(e) })
			if cfg != nil && slices.ContainsFunc(cfg.Services, func(s monitor.ServiceConfig) bool { return s.Catalog == e.ID }) {
				b.SetText(label + " (watched)")
				b.Disable()
			}
			b.Alignment = widget.ButtonAlignLeading
			rows = append(rows, b)
		}
	}
	into.Objects = rows
	into.Refresh()
}

func (w *SettingsWindow) addCatalog(e monitor.CatalogEntry) {
	if w.apply(w.servicesMsg, configedit.AddService(monitor.ServiceConfig{Catalog: e.ID})) {
		w.search.SetText("")
	}
}

// lookUp reads the page at an address and shows its name and state before it is added.
func (w *SettingsWindow) lookUp(address string) {
	lookUpPage(w, w.deps.Look, address, w.found, w.addFound, w.lookBtn, func(p Page) { w.foundPage, w.foundFor = p, strings.TrimSpace(address) })
}

// lookUpPage is the look-up shared by the settings and welcome windows.
func lookUpPage(bg interface{ background(func()) }, look func(context.Context, string) (Page, error), address string, found *widget.Label, add, btn *widget.Button, keep func(Page)) {
	address = strings.TrimSpace(address)
	add.Hide()
	if address == "" {
		say(found, "Paste the address of a status page first.")
		return
	}
	if look == nil {
		say(found, "Looking up addresses is not available here.")
		return
	}
	say(found, "Looking at "+address+"…")
	btn.Disable()
	bg.background(func() {
		ctx, cancel := context.WithTimeout(context.Background(), lookTimeout)
		defer cancel()
		p, err := look(ctx, address)
		fyne.Do(func() {
			btn.Enable()
			if err != nil {
				msg := err.Error()
				say(found, "Nothing found: "+msg)
				return
			}
			keep(p)
			say(found, fmt.Sprintf("Found %s (%s): %s now.", p.Name, p.Label, p.State.Label()))
			add.SetText("Add " + p.Name)
			add.Show()

		})
	})
}

func (w *SettingsWindow) addFoundPage() {
	p := w.foundPage
	if w.apply(w.servicesMsg, configedit.AddService(monitor.ServiceConfig{Name: p.Name, URL: p.URL, Platform: p.Platform})) {
		w.address.SetText("")
		w.search.SetText("")
		say(w.found, p.Name+" added.")
		w.addFound.Hide()
	}
}

// showComponents reads the service's page now and lists its components with boxes: ticked ones
// are watched. All ticked removes the filter; otherwise what is ticked is written as include
// (or, when most are ticked, what is not as exclude).
func (w *SettingsWindow) showComponents(id string) {
	i := slices.IndexFunc(w.cfg.Services, func(s monitor.ServiceConfig) bool { return s.ServiceID() == id })
	if i < 0 || w.deps.Look == nil {
		return
	}
	s := w.cfg.Services[i]
	name, page := w.serviceName(s), w.pageOf(s)
	w.componentsFor = id
	w.components.Objects = []fyne.CanvasObject{widget.NewLabel("Reading the components of " + name + "…")}
	w.components.Refresh()
	w.background(func() {
		ctx, cancel := context.WithTimeout(context.Background(), lookTimeout)
		defer cancel()
		p, err := w.deps.Look(ctx, page)
		fyne.Do(func() {
			if w.componentsFor != id {
				return
			}
			if err != nil {
				w.components.Objects = []fyne.CanvasObject{widget.NewLabel("Could not read the components of " + name + ": " + err.Error())}
				w.components.Refresh()
				return
			}
			w.listComponents(id, name, s.Components, p.Components)
		})
	})
}

func (w *SettingsWindow) listComponents(id, name string, filter monitor.ComponentFilter, names []string) {
	head := widget.NewLabelWithStyle("Components of "+name+" to watch", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	if len(names) == 0 {
		w.components.Objects = []fyne.CanvasObject{head, widget.NewLabel(name + "'s page lists no components.")}
		w.components.Refresh()
		return
	}
	msg := w.problemLabel()
	var boxes []*widget.Check
	objs := []fyne.CanvasObject{head}
	for _, n := range names {
		c := widget.NewCheck(n, nil)
		c.SetChecked(filter.Keeps(monitor.Component{Name: n}))
		boxes = append(boxes, c)
		objs = append(objs, c)
	}
	save := widget.NewButton("Save components", func() {
		var on, off []string
		for _, b := range boxes {
			if b.Checked {
				on = append(on, b.Text)
			} else {
				off = append(off, b.Text)
			}
		}
		var include, exclude []string
		switch {
		case len(on) == 0:
			say(msg, "Tick at least one component (or remove the service).")
			return
		case len(off) == 0:
		case len(off) < len(on):
			exclude = off
		default:
			include = on
		}
		if w.apply(msg, configedit.SetComponents(id, include, exclude)) {
			w.components.Objects = nil
			w.components.Refresh()
			say(w.servicesMsg, "Components of "+name+" saved.")
		}
	})
	cancel := widget.NewButton("Cancel", func() { w.components.Objects = nil; w.components.Refresh() })
	objs = append(objs, msg, container.NewHBox(save, cancel))
	w.components.Objects = objs
	w.components.Refresh()
}

// ---- Notifications ----

func (w *SettingsWindow) notificationsTab() fyne.CanvasObject {
	w.alertsMsg = map[string]*widget.Label{}
	msg := func(key string) *widget.Label {
		l := w.problemLabel()
		w.alertsMsg[key] = l
		return l
	}
	w.minSeverity = widget.NewSelect(severityLabels(""), func(l string) {
		if !w.loading {
			w.apply(w.alertsMsg["min_severity"], configedit.SetMinSeverity(severityFromLabel(l)))
		}
	})
	saveAhead := func(bool) {
		if w.loading {
			return
		}
		var ahead []time.Duration
		if w.ahead24.Checked {
			ahead = append(ahead, 24*time.Hour)
		}
		if w.ahead1.Checked {
			ahead = append(ahead, time.Hour)
		}
		w.apply(w.alertsMsg["maintenance"], configedit.SetMaintenanceAhead(ahead))
	}
	w.ahead24 = widget.NewCheck("24 hours before", saveAhead)
	w.ahead1 = widget.NewCheck("1 hour before", saveAhead)
	times := clockTimes()
	window := func(key string, box **widget.Check, from, to **widget.Select, set func(*monitor.TimeWindow) configedit.Edit, days func() []string, label string) fyne.CanvasObject {
		save := func() {
			if w.loading {
				return
			}
			if !(*box).Checked {
				w.apply(w.alertsMsg[key], set(nil))
				return
			}
			w.apply(w.alertsMsg[key], set(&monitor.TimeWindow{Days: days(), From: (*from).Selected, To: (*to).Selected}))
		}
		pick := func(string) {
			if (*box).Checked {
				save()
			}
		}
		*from = widget.NewSelect(times, pick)
		*to = widget.NewSelect(times, pick)
		*box = widget.NewCheck(label, func(bool) { save() })
		return container.NewVBox(container.NewHBox(*box, widget.NewLabel("from"), *from, widget.NewLabel("to"), *to), msg(key))
	}
	quiet := window("quiet_hours", &w.quiet, &w.quietFrom, &w.quietTo, configedit.SetQuietHours, func() []string {
		if q := w.cfg.Alerts.QuietHours; q != nil {
			return q.Days
		}
		return nil
	}, "Quiet hours")
	business := window("business_hours", &w.business, &w.businessFrom, &w.businessTo, configedit.SetBusinessHours, func() []string {
		if b := w.cfg.Alerts.BusinessHours; b != nil {
			return b.Days
		}
		return []string{"mon", "tue", "wed", "thu", "fri"}
	}, "Business hours only")
	var labels []string
	for _, c := range reminderChoices {
		labels = append(labels, c.label)
	}
	w.reminders = widget.NewSelect(labels, func(l string) {
		if w.loading {
			return
		}
		for _, c := range reminderChoices {
			if c.label == l {
				w.apply(w.alertsMsg["reminders"], configedit.SetReminders(c.every))
			}
		}
	})
	w.updates = widget.NewCheck("Tell me each update an open incident posts", func(on bool) {
		if !w.loading {
			w.apply(w.alertsMsg["incident_updates"], configedit.SetIncidentUpdates(on))
		}
	})
	form := container.NewVBox(
		widget.NewLabelWithStyle("Notify me about", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		w.minSeverity, msg("min_severity"),
		widget.NewLabelWithStyle("Planned maintenance: tell me", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewHBox(w.ahead24, w.ahead1), msg("maintenance"),
		widget.NewLabelWithStyle("When", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabel("During quiet hours, and outside business hours, only major outages notify; the rest is summed up afterwards."),
		quiet, business,
		widget.NewLabelWithStyle("Reminders while a problem lasts", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		w.reminders, msg("reminders"),
		w.updates, msg("incident_updates"),
	)
	return container.NewVScroll(form)
}

func (w *SettingsWindow) refreshAlerts() {
	a := w.cfg.Alerts
	sev := monitor.StateDegraded
	if a.MinSeverity != nil {
		sev = *a.MinSeverity
	}
	w.minSeverity.SetSelected(severityLabel(sev))
	ahead := []time.Duration{24 * time.Hour, time.Hour}
	if a.MaintenanceAhead != nil {
		ahead = nil
		for _, d := range a.MaintenanceAhead {
			ahead = append(ahead, time.Duration(d))
		}
	}
	if a.Maintenance != nil && !*a.Maintenance {
		ahead = nil
	}
	w.ahead24.SetChecked(slices.Contains(ahead, 24*time.Hour))
	w.ahead1.SetChecked(slices.Contains(ahead, time.Hour))
	setWindow := func(tw *monitor.TimeWindow, box *widget.Check, from, to *widget.Select, defFrom, defTo string) {
		box.SetChecked(tw != nil)
		if tw != nil {
			defFrom, defTo = tw.From, tw.To
		}
		from.SetSelected(defFrom)
		to.SetSelected(defTo)
	}
	setWindow(a.QuietHours, w.quiet, w.quietFrom, w.quietTo, "22:00", "07:00")
	setWindow(a.BusinessHours, w.business, w.businessFrom, w.businessTo, "09:00", "17:00")
	w.reminders.SetSelected(reminderChoices[0].label)
	for _, c := range reminderChoices {
		if c.every == time.Duration(a.Reminders) {
			w.reminders.SetSelected(c.label)
		}
	}
	w.updates.SetChecked(a.IncidentUpdates)
}

// ---- Team channels ----

// channelKinds are the channels offered, with how their address is written.
var channelKinds = []struct{ label, hint string }{
	{"Slack", "https://hooks.slack.com/services/… (an incoming webhook) or slack://…"},
	{"Microsoft Teams", "https://….webhook.office.com/webhookb2/… (an incoming webhook) or teams://…"},
	{"Discord", "https://discord.com/api/webhooks/… or discord://…"},
	{"E-mail", "smtp://user:password@mail.example.com:587/?from=paywatch@example.com&to=you@example.com"},
	{"Webhook", "https://… (Paywatch posts JSON to it)"},
}

// ChannelAddress turns a webhook address as Slack, Discord or any web service gives it into
// the channel address Paywatch uses; other addresses are returned as they are.
func ChannelAddress(kind, address string) string {
	a := strings.TrimSpace(address)
	switch {
	case strings.HasPrefix(a, "https://hooks.slack.com/services/"):
		return "slack://hook:" + strings.ReplaceAll(strings.TrimPrefix(a, "https://hooks.slack.com/services/"), "/", "-") + "@webhook"
	case strings.HasPrefix(a, "https://discord.com/api/webhooks/"), strings.HasPrefix(a, "https://discordapp.com/api/webhooks/"):
		rest := a[strings.Index(a, "/webhooks/")+len("/webhooks/"):]
		if id, token, ok := strings.Cut(rest, "/"); ok && id != "" && token != "" {
			return "discord://" + token + "@" + id
		}
	case strings.HasPrefix(a, "https://") && strings.Contains(a, ".webhook.office.com/webhookb2/"):
		if u, err := url.Parse(a); err == nil {
			if c, err := teams.ConfigFromWebhookURL(*u); err == nil {
				return c.GetURL().String()
			}
		}
	case kind == "Webhook" && (strings.HasPrefix(a, "https://") || strings.HasPrefix(a, "http://")):
		return "generic+" + a
	}
	return a
}

func (w *SettingsWindow) channelsTab() fyne.CanvasObject {
	w.channelList = container.NewVBox()
	w.chanMsg = widget.NewLabel("")
	w.chanMsg.Wrapping = fyne.TextWrapWord
	w.chanMsg.Hide()
	w.chanName = widget.NewEntry()
	w.chanName.SetPlaceHolder("Name, like Ops Slack")
	w.chanURL = widget.NewEntry()
	var kinds []string
	for _, k := range channelKinds {
		kinds = append(kinds, k.label)
	}
	w.chanKind = widget.NewSelect(kinds, func(l string) {
		for _, k := range channelKinds {
			if k.label == l {
				w.chanURL.SetPlaceHolder(k.hint)
			}
		}
	})
	w.chanKind.SetSelected("Slack")
	test := widget.NewButton("Send test", func() {
		addr := ChannelAddress(w.chanKind.Selected, w.chanURL.Text)
		w.sendTest(w.chanName.Text, addr, w.chanMsg)
	})
	add := widget.NewButton("Add channel", func() {
		addr := ChannelAddress(w.chanKind.Selected, w.chanURL.Text)
		if strings.TrimSpace(addr) == "" {
			say(w.chanMsg, "Paste the channel's address first.")
			return
		}
		if w.apply(w.chanMsg, configedit.AddChannel(strings.TrimSpace(w.chanName.Text), addr)) {
			w.chanName.SetText("")
			w.chanURL.SetText("")
			say(w.chanMsg, "Channel added: "+channels.Redact(addr))
		}
	})
	w.chanTest, w.chanAdd = test, add
	return container.NewVScroll(container.NewVBox(
		widget.NewLabelWithStyle("Team channels get the same notifications as this desktop", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		w.channelList, widget.NewSeparator(),
		widget.NewLabelWithStyle("Add a channel", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		w.chanKind, w.chanName, w.chanURL, container.NewHBox(test, add), w.chanMsg,
	))
}

// sendTest sends the test message to an address and shows how it went.
func (w *SettingsWindow) sendTest(name, addr string, out *widget.Label) {
	if strings.TrimSpace(addr) == "" {
		say(out, "Paste the channel's address first.")
		return
	}
	if w.deps.TestChannel == nil {
		say(out, "Sending a test is not available here.")
		return
	}
	if err := channels.Validate([]monitor.ChannelConfig{{URL: addr}}); err != nil {
		say(out, "Not a channel address Paywatch can use: "+strings.TrimPrefix(err.Error(), "channels[1] ("+channels.Redact(addr)+"): url: "))
		return
	}
	say(out, "Sending a test message to "+channels.Redact(addr)+"…")
	w.background(func() {
		ctx, cancel := context.WithTimeout(context.Background(), lookTimeout)
		defer cancel()
		err := w.deps.TestChannel(ctx, name, addr)
		fyne.Do(func() {
			if err != nil {
				say(out, "✗ The test message was not delivered: "+err.Error())
				return
			}
			say(out, "✓ Test message delivered to "+channels.Redact(addr)+".")
		})
	})
}

func (w *SettingsWindow) refreshChannels() {
	var rows []fyne.CanvasObject
	if len(w.cfg.Channels) == 0 {
		rows = append(rows, widget.NewLabel("No team channels yet."))
	}
	for _, ch := range w.cfg.Channels {
		label := channels.Redact(ch.URL)
		if ch.Name != "" {
			label = ch.Name + " — " + label
		}
		out := widget.NewLabel("")
		out.Wrapping = fyne.TextWrapWord
		out.Hide()
		name, addr := ch.Name, ch.URL
		test := widget.NewButton("Send test", func() { w.sendTest(name, addr, out) })
		remove := widget.NewButton("Remove", func() { w.apply(w.chanMsg, configedit.RemoveChannel(addr)) })
		rows = append(rows, container.NewBorder(nil, out, nil, container.NewHBox(test, remove), widget.NewLabel(label)))
	}
	w.channelList.Objects = rows
	w.channelList.Refresh()
}

// ---- General ----

func (w *SettingsWindow) generalTab() fyne.CanvasObject {
	w.general = w.problemLabel()
	w.login = widget.NewCheck("Start Paywatch when I log in", func(on bool) {
		if w.loading || w.deps.SetStartAtLogin == nil {
			return
		}
		w.login.Disable()
		w.background(func() {
			err := w.deps.SetStartAtLogin(on)
			fyne.Do(func() {
				w.login.Enable()
				if err != nil {
					say(w.general, "Start at login could not be changed: "+err.Error())
				}
				w.readLogin()
			})
		})
	})
	var labels []string
	for _, c := range intervalChoices {
		labels = append(labels, c.label)
	}
	w.interval = widget.NewSelect(labels, func(l string) {
		if w.loading {
			return
		}
		for _, c := range intervalChoices {
			if c.label == l {
				w.apply(w.general, configedit.SetInterval(c.every))
			}
		}
	})
	path := widget.NewLabel(w.deps.File.Path())
	path.Wrapping = fyne.TextWrapBreak
	open := widget.NewButton("Open settings file", w.openFile)
	items := []fyne.CanvasObject{}
	if w.deps.StartAtLogin != nil {
		items = append(items, w.login)
	}
	items = append(items,
		widget.NewLabelWithStyle("Check status pages", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), w.interval,
		widget.NewLabelWithStyle("Settings file", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), path,
		widget.NewLabel("Everything here is kept in this file; you can also change it by hand (comments are kept)."),
		open, w.general)
	return container.NewVScroll(container.NewVBox(items...))
}

func (w *SettingsWindow) readLogin() {
	if w.deps.StartAtLogin == nil {
		return
	}
	w.background(func() {
		on, err := w.deps.StartAtLogin()
		fyne.Do(func() {
			w.loading = true
			w.login.SetChecked(on)
			w.loading = false
			if err != nil {
				w.login.Disable()
				say(w.general, "Start at login is not available: "+err.Error())
			}
		})
	})
}

func (w *SettingsWindow) refreshGeneral() {
	w.interval.SetSelected(intervalChoices[1].label)
	for _, c := range intervalChoices {
		if c.every == time.Duration(w.cfg.Interval) {
			w.interval.SetSelected(c.label)
		}
	}
	w.readLogin()
}

// openFile opens the settings file, writing the built-in list into it first when there is none.
func (w *SettingsWindow) openFile() {
	if !w.deps.File.Exists() && !w.apply(w.general) {
		return
	}
	if w.deps.OpenFile == nil {
		return
	}
	if err := w.deps.OpenFile(w.deps.File.Path()); err != nil {
		say(w.general, "Could not open the settings file: "+err.Error())
	}
}
