package app

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/paywatch/paywatch/app/statustext"
	"github.com/paywatch/paywatch/monitor"
)

// The window's size is kept in the app's preferences between runs. Fyne has no API to read or
// set a window's position on any driver, so where the window opens is left to the desktop.
const (
	prefWidth     = "status_window.width"
	prefHeight    = "status_window.height"
	defaultWidth  = 820
	defaultHeight = 560
	minWidth      = 480
	minHeight     = 320
)

// StatusWindow shows every service in a list, and the chosen one in a detail pane: its state,
// planned maintenance, open incidents with their latest update, components (problems first),
// and what to do with the support link. A History tab has the daily bars when a record is
// given. Closing it hides it; the app keeps running in the tray. The window itself is created
// the first time it is shown: a window costs a drawing context and memory that a tray app that
// is never opened should not pay.
type StatusWindow struct {
	app     fyne.App
	actions Actions
	open    func(string)
	win     fyne.Window
	header  *widget.Label
	notice  *widget.Label
	toolbar *fyne.Container
	tabs    *container.AppTabs
	list    *widget.List
	detail  *fyne.Container
	scroll  *container.Scroll
	visible bool
	last    monitor.Snapshot
	note    string
	now     func() time.Time
	// chosen is the ID of the service in the detail pane.
	chosen string
	// size is the size last saved in the preferences.
	size fyne.Size

	history History
	export  ExportFunc
	hist    *historyView
	ex      exportState
	// do runs a function on the Fyne goroutine, as fyne.Do; the reads of the record and the
	// writing of a report hand their results back through it.
	do func(func())
	// shown is called when the window comes up (the desktop then redraws it while it is open).
	shown func()
}

// NewStatusWindow prepares the window; nothing is drawn until Show.
func NewStatusWindow(a fyne.App, act Actions, open func(string)) *StatusWindow {
	return &StatusWindow{app: a, actions: act, open: open, now: time.Now, do: fyne.Do}
}

// SetHistory gives the window Paywatch's record for its History tab, and the evidence export
// for its *Export evidence…* button (nil: no button). Call it before the window is first shown.
func (w *StatusWindow) SetHistory(h History, export ExportFunc) {
	w.history, w.export = h, export
}

func (w *StatusWindow) build() {
	if w.win != nil {
		return
	}
	w.win = w.app.NewWindow("Paywatch — service status")
	w.header = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.header.Truncation = fyne.TextTruncateEllipsis
	w.notice = widget.NewLabel("")
	w.notice.Wrapping = fyne.TextWrapWord
	w.notice.Hide()
	check := widget.NewButton("Check now", func() {
		if w.actions.CheckNow != nil {
			w.actions.CheckNow()
		}
	})
	// The toolbar's buttons keep their own width, however wide the window.
	w.toolbar = container.NewHBox()
	if w.export != nil {
		w.toolbar.Add(widget.NewButton("Export evidence…", w.showExport))
	}
	w.toolbar.Add(check)
	if w.actions.Settings != nil {
		w.toolbar.Add(widget.NewButton("Settings…", w.actions.Settings))
	}
	top := container.NewVBox(container.NewBorder(nil, nil, nil, w.toolbar, w.header), w.notice)

	w.list = widget.NewList(w.listLength, newListRow, w.updateListRow)
	w.list.OnSelected = func(id widget.ListItemID) {
		if id >= 0 && id < len(w.last.Services) {
			w.chosen = w.last.Services[id].ID
			w.renderDetail(w.now())
			w.scroll.ScrollToTop()
		}
	}
	w.detail = container.NewVBox()
	w.scroll = container.NewVScroll(container.NewPadded(w.detail))
	split := container.NewHSplit(w.list, w.scroll)
	split.Offset = 0.32
	status := container.NewTabItem("Status", split)
	w.tabs = container.NewAppTabs(status)
	if w.history != nil {
		w.hist = newHistoryView(w)
		w.tabs.Append(container.NewTabItem("History", w.hist.content))
		w.tabs.OnSelected = func(t *container.TabItem) {
			if t.Content == w.hist.content {
				w.hist.reload()
			}
		}
	}
	w.win.SetContent(container.NewBorder(top, nil, nil, nil, w.tabs))
	p := w.app.Preferences()
	// A size saved too small to use (a window squeezed by a tiling desktop) is not kept.
	w.size = fyne.NewSize(float32(max(p.FloatWithFallback(prefWidth, defaultWidth), minWidth)), float32(max(p.FloatWithFallback(prefHeight, defaultHeight), minHeight)))
	w.win.Resize(w.size)
	w.win.SetCloseIntercept(w.hide)
}

// hide is the window's close button: it keeps the size and hides the window.
func (w *StatusWindow) hide() {
	w.saveSize()
	w.visible = false
	w.win.Hide()
}

// saveSize keeps the window's size for the next run, when it changed.
func (w *StatusWindow) saveSize() {
	if w.win == nil {
		return
	}
	s := w.win.Canvas().Size()
	if s.Width < 1 || s.Height < 1 || s == w.size {
		return
	}
	w.size = s
	p := w.app.Preferences()
	p.SetFloat(prefWidth, float64(s.Width))
	p.SetFloat(prefHeight, float64(s.Height))
}

// Show brings the window up with the latest snapshot, on the Status tab.
func (w *StatusWindow) Show() {
	w.build()
	w.tabs.SelectIndex(0)
	w.show()
}

// ShowHistory brings the window up on its History tab (the Status tab without a record).
func (w *StatusWindow) ShowHistory() {
	w.build()
	if w.hist != nil {
		w.tabs.SelectIndex(1)
	}
	w.show()
}

func (w *StatusWindow) show() {
	w.visible = true
	w.Render(w.last, w.note, w.now())
	w.win.Show()
	w.win.RequestFocus()
	if w.shown != nil {
		w.shown()
	}
}

// SetNote shows an explanation at the top (e.g. "Your desktop has no system tray").
func (w *StatusWindow) SetNote(s string) {
	w.note = s
	if w.notice == nil {
		return
	}
	w.notice.SetText(s)
	if s == "" {
		w.notice.Hide()
	} else {
		w.notice.Show()
	}
}

// Render redraws from a snapshot while the window is visible; otherwise it only keeps it.
func (w *StatusWindow) Render(s monitor.Snapshot, notice string, now time.Time) {
	w.last = s
	if notice != "" {
		w.note = notice
	}
	if !w.visible || w.win == nil {
		return
	}
	w.saveSize()
	w.header.SetText(statustext.Tooltip(s))
	w.SetNote(w.note)
	if w.index(w.chosen) < 0 && len(s.Services) > 0 {
		w.chosen = s.Services[0].ID
	}
	w.list.Refresh()
	if i := w.index(w.chosen); i >= 0 {
		w.list.Select(i) // draws the detail pane through OnSelected the first time
	}
	w.renderDetail(now)
	if w.hist != nil && w.tabs.Selected() != nil && w.tabs.Selected().Content == w.hist.content {
		w.hist.maybeReload(now)
	}
}

func (w *StatusWindow) index(id string) int {
	for i, sv := range w.last.Services {
		if sv.ID == id {
			return i
		}
	}
	return -1
}

func (w *StatusWindow) listLength() int { return len(w.last.Services) }

// newListRow is a service's row in the list: its icon, its name, and its state.
func newListRow() fyne.CanvasObject {
	img := canvas.NewImageFromResource(nil)
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(24, 24))
	name := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.Truncation = fyne.TextTruncateEllipsis
	state := widget.NewLabel("")
	state.Truncation = fyne.TextTruncateEllipsis
	state.SizeName = theme.SizeNameCaptionText
	return container.NewBorder(nil, nil, container.NewCenter(img), nil, container.New(layout.NewCustomPaddedVBoxLayout(-8), name, state))
}

func (w *StatusWindow) updateListRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id < 0 || id >= len(w.last.Services) {
		return
	}
	sv := w.last.Services[id]
	row := o.(*fyne.Container)
	texts := row.Objects[0].(*fyne.Container)
	img := row.Objects[1].(*fyne.Container).Objects[0].(*canvas.Image)
	if res, err := TrayIcon(iconOf(sv)); err == nil && (img.Resource == nil || img.Resource.Name() != res.Name()) {
		img.Resource = res
		img.Refresh()
	}
	texts.Objects[0].(*widget.Label).SetText(sv.Name)
	texts.Objects[1].(*widget.Label).SetText(ListState(sv, w.now()))
}

func iconOf(sv monitor.ServiceStatus) string {
	if sv.CheckedAt.IsZero() {
		return monitor.StateUnknown.String()
	}
	return sv.State.String()
}

// ListState is a service's second line in the window's list: its state, or what is planned.
func ListState(sv monitor.ServiceStatus, now time.Time) string {
	switch {
	case sv.CheckedAt.IsZero():
		return "Checking…"
	case sv.State == monitor.StateUnknown:
		return "Can't tell"
	}
	st := sv.State.Label()
	if m, ok := NextMaintenance(sv, now); ok && !m.InProgress && sv.State == monitor.StateOperational {
		return st + " · maintenance planned"
	}
	if sv.Stale {
		return st + " · last known"
	}
	return st
}

// renderDetail draws the chosen service in the detail pane.
func (w *StatusWindow) renderDetail(now time.Time) {
	i := w.index(w.chosen)
	if i < 0 {
		msg := "No services to watch."
		if w.last.Offline {
			msg = "You appear to be offline."
		}
		w.detail.Objects = []fyne.CanvasObject{widget.NewLabel(msg)}
		w.detail.Refresh()
		return
	}
	w.detail.Objects = w.detailObjects(w.last.Services[i], now)
	w.detail.Refresh()
	w.scroll.Content.Refresh()
	w.scroll.Refresh()
}

func heading(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

func wrapped(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// buttons lays buttons out in a row, each as wide as its label.
func buttons(bs ...fyne.CanvasObject) *fyne.Container {
	return container.NewHBox(append(bs, layout.NewSpacer())...)
}

func (w *StatusWindow) detailObjects(sv monitor.ServiceStatus, now time.Time) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	icon := canvas.NewImageFromResource(nil)
	if res, err := TrayIcon(iconOf(sv)); err == nil {
		icon.Resource = res
	}
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSize(36, 36))
	name := widget.NewLabelWithStyle(sv.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.SizeName = theme.SizeNameSubHeadingText
	state := widget.NewLabel(strings.TrimPrefix(ServiceLine(sv, now), sv.Name+" — "))
	out = append(out, container.NewBorder(nil, nil, container.NewCenter(icon), nil, container.New(layout.NewCustomPaddedVBoxLayout(-8), name, state)))
	var links []fyne.CanvasObject
	if sv.URL != "" {
		link := sv.URL
		links = append(links, widget.NewButton("Open status page", func() { w.open(link) }))
	}
	if sv.SupportURL != "" {
		link := sv.SupportURL
		links = append(links, widget.NewButton("Contact support", func() { w.open(link) }))
	}
	if len(links) > 0 {
		out = append(out, buttons(links...))
	}
	if m, ok := NextMaintenance(sv, now); ok {
		l := widget.NewLabel(MaintenanceLine(m, now))
		l.Importance = widget.WarningImportance
		l.TextStyle.Bold = true
		out = append(out, l)
	}
	var about []string
	if sv.Reason != "" && (len(sv.Incidents) == 0 || sv.Reason != sv.Incidents[0].Title) {
		about = append(about, statustext.UpperFirst(monitor.Sanitize(sv.Reason, 200))+".")
	}
	if line := monitor.SourcesLine(sv.Sources); line != "" {
		about = append(about, line)
	}
	if len(about) > 0 {
		out = append(out, wrapped(strings.Join(about, "\n")))
	}

	if len(sv.Incidents) > 0 {
		out = append(out, widget.NewSeparator(), heading("Open incidents"))
		for _, in := range sv.Incidents {
			out = append(out, incidentBox(in, now)...)
		}
	}
	if len(sv.Maintenances) > 0 {
		out = append(out, widget.NewSeparator(), heading("Planned maintenance"))
		for _, m := range sv.Maintenances {
			text := MaintenanceLine(m, now) + ": " + monitor.Sanitize(m.Title, 160)
			if m.Filtered {
				text += " (not on the components you watch)"
			}
			out = append(out, wrapped(text))
		}
	}
	if len(sv.Components) > 0 {
		out = append(out, widget.NewSeparator(), heading("Components"))
		var lines []string
		for _, c := range ByProblem(sv.Components) {
			line := "• " + monitor.Sanitize(c.Name, 80) + " — " + c.State.Label()
			if c.Filtered {
				line += " (filtered out)"
			}
			lines = append(lines, line)
		}
		out = append(out, wrapped(strings.Join(lines, "\n")))
	}
	if sv.Guidance != "" || sv.SupportURL != "" {
		title := "If it stops working"
		if sv.State.IsProblem() {
			title = "What you can do"
		}
		out = append(out, widget.NewSeparator(), heading(title))
		if sv.Guidance != "" {
			out = append(out, wrapped(sv.Guidance))
		}
		if sv.SupportURL != "" {
			link := sv.SupportURL
			h := widget.NewHyperlink("Support: "+link, nil)
			h.OnTapped = func() { w.open(link) }
			out = append(out, h)
		}
	}
	return out
}

// incidentBox is an open incident: its title and impact, when it was last updated, and its
// latest text.
func incidentBox(in monitor.Incident, now time.Time) []fyne.CanvasObject {
	title := fmt.Sprintf("%s (%s)", monitor.Sanitize(in.Title, 160), strings.ToLower(in.Impact.Label()))
	if in.Filtered {
		title += " (filtered out)"
	}
	out := []fyne.CanvasObject{widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})}
	out[0].(*widget.Label).Wrapping = fyne.TextWrapWord
	var meta []string
	if in.Status != "" {
		meta = append(meta, statustext.UpperFirst(in.Status))
	}
	if t := in.UpdatedAt; !t.IsZero() {
		meta = append(meta, "updated "+dayAndTime(t, now))
	} else if t := in.CreatedAt; !t.IsZero() {
		meta = append(meta, "since "+dayAndTime(t, now))
	}
	text := strings.Join(meta, ", ")
	if in.LatestUpdate != "" {
		if text != "" {
			text += ": "
		}
		text += monitor.Sanitize(in.LatestUpdate, 600)
	}
	if text != "" {
		out = append(out, wrapped(text))
	}
	return out
}
