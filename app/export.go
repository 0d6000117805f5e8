package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"
)

// exportDays is the range the export dialog offers first: the last 30 days, the time PayPal's
// and Braintree's SLA terms give to claim.
const exportDays = 30

// exportState is the evidence export's dialogs and its writing in flight.
type exportState struct {
	// dir is where the save dialog opens ("" lets Fyne choose).
	dir  string
	form dialog.Dialog
	save *dialog.FileDialog
	// from, to and scope are the form's fields while it is open.
	from, to *widget.Entry
	scope    *widget.Select
	// writes are the reports being written (tests wait for them).
	writes sync.WaitGroup
}

const allServices = "All services"

// showExport asks for the days and services to report on, then for the file.
func (w *StatusWindow) showExport() {
	now := w.now()
	e := &w.ex
	e.from, e.to = widget.NewEntry(), widget.NewEntry()
	e.from.SetText(now.AddDate(0, 0, -exportDays).Format(time.DateOnly))
	e.to.SetText(now.Format(time.DateOnly))
	e.from.Validator, e.to.Validator = validDate, validDate
	opts := []string{allServices}
	for _, sv := range w.last.Services {
		opts = append(opts, sv.Name)
	}
	e.scope = widget.NewSelect(opts, nil)
	e.scope.SetSelected(allServices)
	about := wrapped("A report of every incident and maintenance in these days, with each text as the status page published it, when Paywatch saw it, what your own network saw and the notifications sent: evidence for an SLA claim or a dispute. Save it as .html to read or print, or as .csv or .json.")
	items := []*widget.FormItem{
		widget.NewFormItem("", about),
		{Text: "From", Widget: e.from, HintText: "First day, as YYYY-MM-DD"},
		{Text: "To", Widget: e.to, HintText: "Last day, included"},
		widget.NewFormItem("Services", e.scope),
	}
	form := dialog.NewForm("Export evidence", "Choose file…", "Cancel", items, func(ok bool) {
		if ok {
			w.exportChosen()
		}
	}, w.win)
	form.Resize(fyne.NewSize(520, 0))
	e.form = form
	form.Show()
}

func validDate(s string) error {
	if _, err := time.Parse(time.DateOnly, strings.TrimSpace(s)); err != nil {
		return errors.New("write the day as YYYY-MM-DD, e.g. 2026-03-10")
	}
	return nil
}

// exportChosen reads the form and asks where to save.
func (w *StatusWindow) exportChosen() {
	e := &w.ex
	loc := w.now().Location()
	from, err1 := time.ParseInLocation(time.DateOnly, strings.TrimSpace(e.from.Text), loc)
	last, err2 := time.ParseInLocation(time.DateOnly, strings.TrimSpace(e.to.Text), loc)
	if err := errors.Join(err1, err2); err != nil {
		dialog.ShowError(fmt.Errorf("the days could not be read: %w", err), w.win)
		return
	}
	if last.Before(from) {
		dialog.ShowError(errors.New("the last day comes before the first; swap them"), w.win)
		return
	}
	to := last.AddDate(0, 0, 1) // the whole last day
	var services []string
	for _, sv := range w.last.Services {
		if sv.Name == e.scope.Selected {
			services = []string{sv.ID}
		}
	}
	save := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil {
			dialog.ShowError(fmt.Errorf("the file could not be opened: %w", err), w.win)
			return
		}
		if wc == nil {
			return // cancelled
		}
		path := wc.URI().Path()
		wc.Close()
		w.writeReport(from, to, services, path)
	}, w.win)
	save.SetFileName(fmt.Sprintf("paywatch-evidence-%s-to-%s.html", from.Format(time.DateOnly), last.Format(time.DateOnly)))
	save.SetFilter(storage.NewExtensionFileFilter([]string{".html", ".csv", ".json"}))
	if e.dir != "" {
		if l, err := storage.ListerForURI(storage.NewFileURI(e.dir)); err == nil {
			save.SetLocation(l)
		}
	}
	e.save = save
	save.Resize(fyne.NewSize(760, 520))
	save.Show()
}

// reportExt says whether a file name has a format the report is written in.
func reportExt(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".html", ".htm", ".csv", ".json":
		return true
	}
	return false
}

// writeReport writes the report off the Fyne goroutine and says how it went.
func (w *StatusWindow) writeReport(from, to time.Time, services []string, path string) {
	if !reportExt(path) {
		// The save dialog has already created the file under the name typed; an HTML report
		// takes its place.
		if fi, err := os.Stat(path); err == nil && fi.Size() == 0 {
			os.Remove(path)
		}
		path += ".html"
	}
	export, do := w.export, w.do
	w.ex.writes.Go(func() {
		err := export(from, to, services, path)
		do(func() {
			if err != nil {
				dialog.ShowError(fmt.Errorf("the evidence report could not be saved: %w", err), w.win)
				return
			}
			dialog.ShowInformation("Evidence report saved", "Saved to "+path, w.win)
		})
	})
}
