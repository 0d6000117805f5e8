package app

import (
	"errors"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/paywatch/paywatch/internal/configedit"
	"github.com/paywatch/paywatch/monitor"
)

// WelcomeText is what Paywatch does, in two sentences.
const WelcomeText = "Paywatch watches the status pages of the banks, cards and payment services you rely on, and tells you when one has trouble or plans maintenance. " +
	"It sits in your system tray and reads each status page every minute (a company's own website every five minutes); tick what you use below, and you can change it any time in Settings… in the tray menu."

// WelcomeWindow is shown on the first start, when there is no settings file: the built-in
// watchlist to tick, a search over the catalog, a field for any status page address and start
// at login. Done writes the settings file.
type WelcomeWindow struct {
	app   fyne.App
	deps  SettingsDeps
	check configedit.Check
	done  func()
	win   fyne.Window

	list     *fyne.Container
	chosen   []choice
	search   *widget.Entry
	results  *fyne.Container
	address  *widget.Entry
	lookBtn  *widget.Button
	found    *widget.Label
	addFound *widget.Button
	page     Page
	login    *widget.Check
	msg      *widget.Label
	doneBtn  *widget.Button
	finished bool

	wg     sync.WaitGroup
	inline bool // tests: background work runs in line (see SettingsWindow.background)
}

type choice struct {
	svc monitor.ServiceConfig
	box *widget.Check
}

// NewWelcomeWindow prepares the welcome; check validates the file it writes (as config check
// does). done is called once, on the Fyne goroutine, when the settings file is written or the
// window is closed without it (Paywatch then watches the built-in list).
func NewWelcomeWindow(a fyne.App, deps SettingsDeps, check configedit.Check, done func()) *WelcomeWindow {
	if deps.Log == nil {
		deps.Log = func(string, ...any) {}
	}
	w := &WelcomeWindow{app: a, deps: deps, check: check, done: done}
	w.build()
	return w
}

func (w *WelcomeWindow) background(f func()) {
	if w.inline {
		f()
		return
	}
	w.wg.Go(f)
}

// wait returns once the look-ups started so far have shown their outcome (tests).
func (w *WelcomeWindow) wait() { w.wg.Wait() }

// Window is the Fyne window.
func (w *WelcomeWindow) Window() fyne.Window { return w.win }

// Show opens the window.
func (w *WelcomeWindow) Show() { w.win.Show(); w.win.RequestFocus() }

func (w *WelcomeWindow) build() {
	w.win = w.app.NewWindow("Welcome to Paywatch")
	intro := widget.NewLabel(WelcomeText)
	intro.Wrapping = fyne.TextWrapWord
	w.list = container.NewVBox()
	for _, id := range monitor.DefaultWatchlist {
		w.addChoice(monitor.ServiceConfig{Catalog: id}, true)
	}
	w.search = widget.NewEntry()
	w.search.SetPlaceHolder("Search: your bank, your card, your payment provider")
	w.results = container.NewVBox()
	w.search.OnChanged = func(q string) {
		showCatalogResults(w.deps.Catalog, q, w.results, w.config(), func(e monitor.CatalogEntry) {
			w.addChoice(monitor.ServiceConfig{Catalog: e.ID}, true)
			w.search.SetText("")
		})
	}
	w.search.OnSubmitted = func(q string) {
		if LooksLikeAddress(q) {
			w.address.SetText(strings.TrimSpace(q))
			w.search.SetText("")
			w.lookUp()
		}
	}
	w.address = widget.NewEntry()
	w.address.SetPlaceHolder("…or paste any status page address, like status.example.com")
	w.found = widget.NewLabel("")
	w.found.Wrapping = fyne.TextWrapWord
	w.found.Hide()
	w.addFound = widget.NewButton("Add", func() {
		w.addChoice(monitor.ServiceConfig{Name: w.page.Name, URL: w.page.URL, Platform: w.page.Platform}, true)
		w.address.SetText("")
		say(w.found, w.page.Name+" added to the list above.")
		w.addFound.Hide()
	})
	w.addFound.Hide()
	w.lookBtn = widget.NewButton("Look up", func() { w.lookUp() })
	w.address.OnSubmitted = func(string) { w.lookUp() }
	w.login = widget.NewCheck("Start Paywatch when I log in", nil)
	w.login.SetChecked(true)
	if w.deps.SetStartAtLogin == nil {
		w.login.Hide()
	}
	w.msg = problemLabel()
	w.doneBtn = widget.NewButton("Done", w.finish)
	w.doneBtn.Importance = widget.HighImportance
	body := container.NewVBox(intro,
		widget.NewLabelWithStyle("Watch", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), w.list,
		widget.NewLabelWithStyle("Add more", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), w.search, w.results,
		container.NewBorder(nil, nil, nil, w.lookBtn, w.address),
		container.NewBorder(nil, nil, nil, w.addFound, w.found),
		widget.NewSeparator(), w.login, w.msg)
	w.win.SetContent(container.NewBorder(nil, container.NewHBox(layout.NewSpacer(), w.doneBtn), nil, nil, container.NewVScroll(body)))
	w.win.Resize(fyne.NewSize(600, 640))
	w.win.SetCloseIntercept(w.close)
}

// close is the window's close button: the welcome ends without a settings file.
func (w *WelcomeWindow) close() {
	w.win.Hide()
	w.end()
}

func (w *WelcomeWindow) lookUp() {
	lookUpPage(w, w.deps.Look, w.address.Text, w.found, w.addFound, w.lookBtn, func(p Page) { w.page = p })
}

func (w *WelcomeWindow) addChoice(s monitor.ServiceConfig, on bool) {
	for _, c := range w.chosen {
		if c.svc.ServiceID() == s.ServiceID() {
			c.box.SetChecked(true)
			return
		}
	}
	name := s.Name
	if e, ok := w.deps.Catalog.Lookup(s.Catalog); ok {
		name = e.Name + " — " + e.Category
	}
	box := widget.NewCheck(name, nil)
	box.SetChecked(on)
	w.chosen = append(w.chosen, choice{svc: s, box: box})
	w.list.Add(box)
}

// config is what is ticked, as settings.
func (w *WelcomeWindow) config() *monitor.Config {
	c := &monitor.Config{}
	for _, ch := range w.chosen {
		if ch.box.Checked {
			c.Services = append(c.Services, ch.svc)
		}
	}
	return c
}

func (w *WelcomeWindow) finish() {
	c := w.config()
	if len(c.Services) == 0 {
		say(w.msg, "Tick at least one service to watch.")
		return
	}
	err := configedit.Create(w.deps.File.Path(), w.check, c.Services)
	if err != nil {
		var inv *configedit.Invalid
		if errors.As(err, &inv) {
			say(w.msg, "Not saved: "+strings.Join(inv.Problems, "\n"))
		} else {
			say(w.msg, "Could not save your settings: "+err.Error())
		}
		return
	}
	if _, err := w.deps.File.Reload(); err != nil {
		w.deps.Log("settings file unreadable", "err", err)
	}
	if w.login.Checked && w.deps.SetStartAtLogin != nil {
		set := w.deps.SetStartAtLogin
		log := w.deps.Log
		w.background(func() {
			if err := set(true); err != nil {
				log("start at login could not be turned on", "err", err)
			}
		})
	}
	w.win.Hide()
	w.end()
}

func (w *WelcomeWindow) end() {
	if w.finished {
		return
	}
	w.finished = true
	if w.done != nil {
		w.done()
	}
}
