package app

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/paywatch/paywatch/monitor"
)

// StatusWindow lists every service with its state, what is wrong and what to do.
// Closing it hides it; the app keeps running in the tray. The window itself is created the
// first time it is shown: a window costs a drawing context and memory that a tray app that is
// never opened should not pay.
type StatusWindow struct {
	app     fyne.App
	actions Actions
	open    func(string)
	win     fyne.Window
	header  *widget.Label
	notice  *widget.Label
	list    *fyne.Container
	visible bool
	last    monitor.Snapshot
	note    string
	now     func() time.Time
}

// NewStatusWindow prepares the window; nothing is drawn until Show.
func NewStatusWindow(a fyne.App, act Actions, open func(string)) *StatusWindow {
	return &StatusWindow{app: a, actions: act, open: open, now: time.Now}
}

func (w *StatusWindow) build() {
	if w.win != nil {
		return
	}
	w.win = w.app.NewWindow("Paywatch — service status")
	w.header = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.notice = widget.NewLabel("")
	w.notice.Wrapping = fyne.TextWrapWord
	w.notice.Hide()
	w.list = container.NewVBox()
	check := widget.NewButton("Check now", func() {
		if w.actions.CheckNow != nil {
			w.actions.CheckNow()
		}
	})
	top := container.NewVBox(container.NewBorder(nil, nil, nil, check, w.header), w.notice, widget.NewSeparator())
	w.win.SetContent(container.NewBorder(top, nil, nil, nil, container.NewVScroll(w.list)))
	w.win.Resize(fyne.NewSize(520, 420))
	w.win.SetCloseIntercept(func() { w.visible = false; w.win.Hide() })
}

// Show brings the window up with the latest snapshot.
func (w *StatusWindow) Show() {
	w.build()
	w.visible = true
	w.Render(w.last, w.note, w.now())
	w.win.Show()
	w.win.RequestFocus()
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
	w.header.SetText(Tooltip(s))
	w.SetNote(w.note)
	var rows []fyne.CanvasObject
	for _, sv := range s.Services {
		rows = append(rows, w.row(sv, now), widget.NewSeparator())
	}
	w.list.Objects = rows
	w.list.Refresh()
}

func (w *StatusWindow) row(sv monitor.ServiceStatus, now time.Time) fyne.CanvasObject {
	st := sv.State.String()
	if sv.CheckedAt.IsZero() {
		st = monitor.StateUnknown.String()
	}
	var icon fyne.CanvasObject = layout.NewSpacer()
	if res, err := TrayIcon(st); err == nil {
		img := canvas.NewImageFromResource(res)
		img.FillMode = canvas.ImageFillContain
		img.SetMinSize(fyne.NewSize(28, 28))
		icon = img
	}
	title := widget.NewLabelWithStyle(ServiceLine(sv, now), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	detail := widget.NewLabel(Detail(sv))
	detail.Wrapping = fyne.TextWrapWord
	var right fyne.CanvasObject
	if sv.URL != "" {
		link := sv.URL
		right = widget.NewButton("Open page", func() { w.open(link) })
	}
	return container.NewBorder(nil, nil, container.NewCenter(icon), right, container.NewVBox(title, detail))
}
