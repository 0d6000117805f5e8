package app

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/history"
)

// The scripted history, in UTC, with the window's "now" on Thursday 12 March 2026 at 15:00:
//
//	Tue 10 March 07:00  Paywatch starts: Stripe and PayPal operational (every day before: grey)
//	             10:00  Stripe posts an incident (created 09:58), major outage, "investigating"
//	             10:30  a new text, "identified"
//	             11:30  resolved at 11:28: operational
//	Wed 11 March 08:00  PayPal's maintenance begins; 09:00 it is over
//	Thu 12 March 12:00  both operational
const (
	histText1 = "We are investigating elevated error rates for card payments."
	histText2 = "We have identified the cause & are applying a fix."
)

var histNow = time.Date(2026, 3, 12, 15, 0, 0, 0, time.UTC)

func hday(d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, time.UTC) }

// scriptedStore is a real history store in a temporary folder, filled through Record as the
// watcher would.
func scriptedStore(t *testing.T) *history.Store {
	t.Helper()
	var clock atomic.Int64
	set := func(at time.Time) { clock.Store(at.UnixNano()) }
	set(hday(10, 7, 0))
	st, notice, err := history.Open(filepath.Join(t.TempDir(), "history.db"), history.Options{
		Heartbeat: 1000 * time.Hour, // the test's jumps of the clock are not sleep
		Now:       func() time.Time { return time.Unix(0, clock.Load()).UTC() },
	})
	if err != nil {
		t.Fatal(err)
	}
	if !notice.IsZero() {
		t.Fatalf("fresh store gave a notice: %s", notice)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = st.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait(); st.Close() })

	page := func(st monitor.State) []monitor.SourceStatus {
		return []monitor.SourceStatus{{ID: "page", Kind: "page", Platform: "statuspage", URL: "https://status.example.com", State: st}}
	}
	stripe := monitor.ServiceStatus{ID: "stripe", Name: "Stripe", URL: "https://status.stripe.com", State: monitor.StateOperational, Sources: page(monitor.StateOperational)}
	paypal := monitor.ServiceStatus{ID: "paypal", Name: "PayPal", URL: "https://www.paypal-status.com", State: monitor.StateOperational, Sources: page(monitor.StateOperational)}
	record := func(at time.Time) {
		set(at)
		s1, s2 := stripe, paypal
		s1.CheckedAt, s2.CheckedAt = at, at
		s1.Sources, s2.Sources = page(s1.State), page(s2.State)
		st.Record(monitor.Update{Snapshot: monitor.Snapshot{At: at, Services: []monitor.ServiceStatus{s1, s2}}})
	}
	record(hday(10, 7, 0))

	in := monitor.Incident{ID: "inc-1", Title: "Elevated errors on card payments", Impact: monitor.StateMajorOutage, Status: "investigating",
		URL: "https://status.stripe.com/incidents/inc-1", CreatedAt: hday(10, 9, 58), UpdatedAt: hday(10, 9, 58), LatestUpdate: histText1}
	stripe.State, stripe.Reason, stripe.Incidents = monitor.StateMajorOutage, in.Title, []monitor.Incident{in}
	record(hday(10, 10, 0))
	in.Status, in.UpdatedAt, in.LatestUpdate = "identified", hday(10, 10, 29), histText2
	stripe.Incidents = []monitor.Incident{in}
	record(hday(10, 10, 30))
	in.Status, in.ResolvedAt, in.UpdatedAt, in.LatestUpdate = "resolved", hday(10, 11, 28), hday(10, 11, 28), "This incident has been resolved."
	stripe.State, stripe.Reason, stripe.Incidents, stripe.Resolved = monitor.StateOperational, "", nil, []monitor.Incident{in}
	record(hday(10, 11, 30))

	m := monitor.Maintenance{ID: "mnt-1", Title: "Database upgrade", Status: "in_progress", InProgress: true, StartsAt: hday(11, 8, 0), EndsAt: hday(11, 9, 0)}
	paypal.State, paypal.Maintenances = monitor.StateMaintenance, []monitor.Maintenance{m}
	record(hday(11, 8, 0))
	paypal.State, paypal.Maintenances = monitor.StateOperational, nil
	record(hday(11, 9, 0))
	record(hday(12, 12, 0))
	set(histNow)
	fctx, fcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer fcancel()
	if err := st.Flush(fctx); err != nil {
		t.Fatal(err)
	}
	return st
}

func historySnapshot() monitor.Snapshot {
	return monitor.Snapshot{At: histNow, Services: []monitor.ServiceStatus{
		{ID: "stripe", Name: "Stripe", State: monitor.StateOperational, CheckedAt: histNow, URL: "https://status.stripe.com"},
		{ID: "paypal", Name: "PayPal", State: monitor.StateOperational, CheckedAt: histNow, URL: "https://www.paypal-status.com"},
		{ID: "adyen", Name: "Adyen", State: monitor.StateOperational, CheckedAt: histNow}, // added today: nothing recorded
	}}
}

// fyneQueue stands in for fyne.Do in the tests: the test driver's fyne.Do runs a function at
// once on the calling goroutine, so a read of the record finishing in the background would draw
// while the test goroutine draws too. Queued, it runs on the test goroutine in settle.
type fyneQueue struct {
	mu sync.Mutex
	q  []func()
}

func (f *fyneQueue) do(fn func()) { f.mu.Lock(); f.q = append(f.q, fn); f.mu.Unlock() }

// settle waits for the window's reads and writes in flight and applies their results.
func settle(w *StatusWindow, q *fyneQueue) {
	for {
		if w.hist != nil {
			w.hist.loads.Wait()
		}
		w.ex.writes.Wait()
		q.mu.Lock()
		fns := q.q
		q.q = nil
		q.mu.Unlock()
		if len(fns) == 0 {
			return
		}
		for _, fn := range fns {
			fn()
		}
	}
}

func historyWindow(t *testing.T, a fyne.App, st *history.Store, export ExportFunc) (*StatusWindow, *fyneQueue) {
	t.Helper()
	w := NewStatusWindow(a, Actions{CheckNow: func() {}}, func(string) {})
	q := &fyneQueue{}
	w.now, w.do = func() time.Time { return histNow }, q.do
	w.SetHistory(st, export)
	w.Render(historySnapshot(), "", histNow)
	return w, q
}

func barStates(bars []*dayBar) []string {
	var out []string
	for _, b := range bars {
		out = append(out, history.StateName(b.day.State))
	}
	return out
}

func TestHistoryBars(t *testing.T) {
	a := test.NewTempApp(t)
	st := scriptedStore(t)
	w, q := historyWindow(t, a, st, nil)
	w.ShowHistory()
	settle(w, q)
	if got := w.tabs.Selected().Text; got != "History" {
		t.Fatalf("ShowHistory opened the %q tab", got)
	}

	stripe, paypal, adyen := w.hist.bars["stripe"], w.hist.bars["paypal"], w.hist.bars["adyen"]
	for name, bars := range map[string][]*dayBar{"stripe": stripe, "paypal": paypal, "adyen": adyen} {
		if len(bars) != historyDays {
			t.Fatalf("%s has %d bars, want %d", name, len(bars), historyDays)
		}
		if got, want := bars[historyDays-1].day.Date, "2026-03-12"; got != want {
			t.Errorf("%s's last bar is %s, want today %s", name, got, want)
		}
	}
	tail := func(bars []*dayBar) []string { return barStates(bars[historyDays-4:]) }
	if got, want := tail(stripe), []string{"not_watched", "major_outage", "operational", "operational"}; !slices.Equal(got, want) {
		t.Errorf("Stripe's last 4 days %q, want %q", got, want)
	}
	if got, want := tail(paypal), []string{"not_watched", "operational", "maintenance", "operational"}; !slices.Equal(got, want) {
		t.Errorf("PayPal's last 4 days %q, want %q", got, want)
	}
	for _, b := range adyen {
		if b.day.State != history.NotWatched {
			t.Fatalf("Adyen, with nothing recorded, has a %s day", history.StateName(b.day.State))
		}
	}
	for _, b := range []*dayBar{stripe[0], stripe[86], stripe[87], stripe[88], paypal[88]} {
		if got, want := b.rect.FillColor, BarColor(b.day.State); got != want {
			t.Errorf("bar %s of %s is coloured %v, want %v", b.day.Date, b.name, got, want)
		}
	}
	if stripe[87].rect.FillColor == stripe[88].rect.FillColor || stripe[86].rect.FillColor == stripe[88].rect.FillColor {
		t.Error("outage, operational and not-watched days share a colour")
	}
	rows := joined(w.hist.rows)
	for _, want := range []string{"Stripe", "1 day with problems", "PayPal", "No problems recorded", "Adyen", "90 days ago", "Today"} {
		if !strings.Contains(rows, want) {
			t.Errorf("the bars' labels lack %q:\n%s", want, rows)
		}
	}

	// Pointing at a day names it.
	stripe[87].MouseIn(&desktop.MouseEvent{})
	if got, want := w.hist.hint.Text, "Stripe, Tue 10 Mar 2026: worst major outage"; got != want {
		t.Errorf("pointing at the outage day says %q, want %q", got, want)
	}
	stripe[87].MouseOut()
	if got := w.hist.hint.Text; got != hintText {
		t.Errorf("after pointing away the hint says %q", got)
	}

	// Choosing the outage day lists its incident with every text and how long it lasted.
	test.Tap(stripe[87])
	settle(w, q)
	day := joined(w.hist.day)
	for _, want := range []string{
		"Elevated errors on card payments",
		"Incident · major outage · 09:58–11:28 (1 hour 30 minutes)",
		"09:58 · investigating: " + histText1,
		"10:29 · identified: " + histText2,
	} {
		if !strings.Contains(day, want) {
			t.Errorf("the day's list lacks %q:\n%s", want, day)
		}
	}
	if got, want := w.hist.dayTitle.Text, "Stripe, Tuesday 10 March 2026: worst major outage"; got != want {
		t.Errorf("day title %q, want %q", got, want)
	}
	if stripe[87].rect.StrokeWidth == 0 {
		t.Error("the chosen day is not outlined")
	}

	test.Tap(paypal[88])
	settle(w, q)
	if day := joined(w.hist.day); !strings.Contains(day, "Database upgrade") || !strings.Contains(day, "Maintenance · maintenance · 08:00–09:00 (1 hour)") {
		t.Errorf("PayPal's maintenance day reads:\n%s", day)
	}
	if stripe[87].rect.StrokeWidth != 0 {
		t.Error("the day chosen before is still outlined")
	}
	test.Tap(stripe[10])
	settle(w, q)
	if day := joined(w.hist.day); day != "Paywatch was not watching on this day." {
		t.Errorf("a day not watched reads:\n%s", day)
	}
}

func TestHistoryMenuEntry(t *testing.T) {
	a := test.NewTempApp(t)
	tray := &fakeTray{}
	d := NewDesktop(a, tray, Actions{CheckNow: func() {}, Quit: func() {}}, nil)
	st := scriptedStore(t)
	d.SetHistory(st, nil)
	q := &fyneQueue{}
	d.window.now, d.window.do = func() time.Time { return histNow }, q.do
	d.Apply(historySnapshot())
	m := tray.lastMenu()
	var entry *fyne.MenuItem
	for _, it := range m.Items {
		if it.Label == "History…" {
			entry = it
		}
	}
	if entry == nil {
		t.Fatalf("no History… entry in %q", labels(m))
	}
	entry.Action()
	settle(d.window, q)
	if !d.window.visible || d.window.tabs.Selected().Text != "History" {
		t.Fatal("History… did not open the window on its History tab")
	}
	if got := barStates(d.window.hist.bars["stripe"])[historyDays-3]; got != "major_outage" {
		t.Errorf("the bars opened from the menu show %s for the outage day", got)
	}
}

// overlayButton finds a button in the window's topmost dialog.
func overlayButton(t *testing.T, w fyne.Window, text string) *widget.Button {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("no dialog open to find %q in", text)
	}
	return button(t, top, text)
}

func TestExportEvidenceWritesTheReport(t *testing.T) {
	a := test.NewTempApp(t)
	st := scriptedStore(t)
	type call struct {
		from, to time.Time
		services []string
		path     string
	}
	var calls []call
	var mu sync.Mutex
	export := func(from, to time.Time, services []string, path string) error {
		mu.Lock()
		calls = append(calls, call{from, to, services, path})
		mu.Unlock()
		r, err := st.Report(context.Background(), history.ReportQuery{From: from, To: to, Services: services, Location: time.UTC, Now: histNow})
		if err != nil {
			return err
		}
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := history.WriteHTML(f, r); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	w, q := historyWindow(t, a, st, export)
	dir := t.TempDir()
	w.ex.dir = dir
	w.Show()
	w.win.Resize(fyne.NewSize(1000, 700))

	test.Tap(button(t, w.toolbar, "Export evidence…"))
	if got, want := w.ex.from.Text, "2026-02-10"; got != want {
		t.Errorf("From starts at %q, want 30 days back, %q", got, want)
	}
	if got, want := w.ex.to.Text, "2026-03-12"; got != want {
		t.Errorf("To starts at %q, want today, %q", got, want)
	}
	w.ex.from.SetText("10 March")
	if w.ex.from.Validate() == nil {
		t.Error("a day that is not YYYY-MM-DD passes")
	}
	w.ex.from.SetText("2026-03-09")
	w.ex.to.SetText("2026-03-10")
	w.ex.scope.SetSelected("Stripe")
	test.Tap(overlayButton(t, w.win, "Choose file…"))
	if w.ex.save == nil {
		t.Fatal("no save dialog after Choose file…")
	}
	test.Tap(overlayButton(t, w.win, "Save"))
	settle(w, q)

	want := filepath.Join(dir, "paywatch-evidence-2026-03-09-to-2026-03-10.html")
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 1 {
		t.Fatalf("export called %d times, want 1", len(calls))
	}
	c := calls[0]
	if c.path != want || !c.from.Equal(hday(9, 0, 0)) || !c.to.Equal(hday(11, 0, 0)) || !slices.Equal(c.services, []string{"stripe"}) {
		t.Errorf("export(%v, %v, %q, %q), want (%v, %v, [stripe], %q)", c.from, c.to, c.services, c.path, hday(9, 0, 0), hday(11, 0, 0), want)
	}
	b, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"<html", "Elevated errors on card payments", "We have identified the cause &amp; are applying a fix."} {
		if !strings.Contains(string(b), s) {
			t.Errorf("the saved report lacks %q", s)
		}
	}
	if got := joined(w.win.Canvas().Overlays().Top()); !strings.Contains(got, "Saved to "+want) {
		t.Errorf("after saving the window says:\n%s", got)
	}
}

func TestExportEvidenceAddsAnExtension(t *testing.T) {
	dir := t.TempDir()
	typed := filepath.Join(dir, "stripe march")
	if err := os.WriteFile(typed, nil, 0o600); err != nil { // what the save dialog leaves
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	var got string
	w := NewStatusWindow(a, Actions{}, func(string) {})
	q := &fyneQueue{}
	w.do = q.do
	w.SetHistory(nil, func(_, _ time.Time, _ []string, path string) error { got = path; return nil })
	w.Show()
	w.writeReport(histNow, histNow, nil, typed)
	settle(w, q)
	if got != typed+".html" {
		t.Errorf("wrote to %q, want %q", got, typed+".html")
	}
	if _, err := os.Stat(typed); !os.IsNotExist(err) {
		t.Errorf("the empty file the dialog made is still there: %v", err)
	}
}
