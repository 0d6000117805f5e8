package app

import (
	"context"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/history"
)

// TestScreenshots draws the status window, with its Status and History tabs, from 70 days of a
// scripted history and writes them as PNG files for the README, when PAYWATCH_SCREENSHOTS names
// the folder to write to (docs/window-screenshots.sh does). Fyne's test driver draws with its
// software painter, the same widgets and theme as on screen.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("PAYWATCH_SCREENSHOTS")
	if dir == "" {
		t.Skip("set PAYWATCH_SCREENSHOTS to a folder to write the window's screenshots")
	}
	cat, err := monitor.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	entry := func(id string) monitor.CatalogEntry {
		e, ok := cat.Lookup(id)
		if !ok {
			t.Fatalf("%s is not in the catalog", id)
		}
		return e
	}
	berlin := time.FixedZone("CET", 3600)
	shotNow := time.Date(2026, 12, 3, 15, 0, 0, 0, berlin)
	st := longHistory(t, shotNow)

	a := test.NewTempApp(t)
	a.Settings().SetTheme(theme.LightTheme())
	w := NewStatusWindow(a, Actions{CheckNow: func() {}}, func(string) {})
	q := &fyneQueue{}
	w.now, w.do = func() time.Time { return shotNow }, q.do
	w.SetHistory(st, func(time.Time, time.Time, []string, string) error { return nil })

	stripe := entry("stripe")
	snap := monitor.Snapshot{At: shotNow, Services: []monitor.ServiceStatus{
		{ID: "stripe", Name: "Stripe", State: monitor.StateDegraded, CheckedAt: shotNow.Add(-time.Minute), URL: stripe.URL,
			Reason: "Delayed payouts", Guidance: stripe.Guidance, SupportURL: stripe.SupportURL,
			Components: []monitor.Component{{Name: "API", State: monitor.StateOperational}, {Name: "Card payments", State: monitor.StateOperational},
				{Name: "Payouts", State: monitor.StateDegraded}, {Name: "Dashboard", State: monitor.StateOperational}},
			Incidents: []monitor.Incident{{Title: "Delayed payouts", Impact: monitor.StateDegraded, Status: "identified", UpdatedAt: shotNow.Add(-20 * time.Minute),
				LatestUpdate: "We have identified the cause of delayed payouts to some bank accounts in the EU and are working on a fix. Card payments are not affected."}}},
		{ID: "paypal", Name: "PayPal", State: monitor.StateOperational, CheckedAt: shotNow.Add(-time.Minute), URL: "https://www.paypal-status.com"},
		{ID: "square", Name: "Square", State: monitor.StateOperational, CheckedAt: shotNow.Add(-time.Minute), URL: "https://issquareup.com"},
		{ID: "globex-payroll", Name: "Globex Payroll", State: monitor.StateOperational, CheckedAt: shotNow.Add(-time.Minute), URL: "https://status.globex.example",
			Maintenances: []monitor.Maintenance{{Title: "Payroll system upgrade", StartsAt: shotNow.Add(2 * time.Hour), EndsAt: shotNow.Add(3 * time.Hour)}}},
	}}
	w.Render(snap, "", shotNow)
	w.Show()
	w.win.Resize(fyne.NewSize(900, 620))
	settle(w, q)
	capture(t, w.win, filepath.Join(dir, "status-window.png"))

	w.ShowHistory()
	w.win.Resize(fyne.NewSize(900, 760))
	settle(w, q)
	test.Tap(w.hist.bars["stripe"][historyDays-3])
	settle(w, q)
	capture(t, w.win, filepath.Join(dir, "history-bars.png"))
}

func capture(t *testing.T, win fyne.Window, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, win.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}

// longHistory records 70 days of four services, with an outage two days ago, a spell when the
// computer was off, and a few smaller problems, through the store's Record as the watcher would.
func longHistory(t *testing.T, now time.Time) *history.Store {
	t.Helper()
	var clock atomic.Int64
	set := func(at time.Time) { clock.Store(at.UnixNano()) }
	loc := now.Location()
	day := func(ago, h, m int) time.Time {
		return time.Date(now.Year(), now.Month(), now.Day()-ago, h, m, 0, 0, loc)
	}
	set(day(70, 8, 0))
	st, _, err := history.Open(filepath.Join(t.TempDir(), "history.db"), history.Options{Heartbeat: 1000 * time.Hour, Queue: 8192,
		Now: func() time.Time { return time.Unix(0, clock.Load()) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = st.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait(); st.Close() })

	svcs := []monitor.ServiceStatus{
		{ID: "stripe", Name: "Stripe"}, {ID: "paypal", Name: "PayPal"}, {ID: "square", Name: "Square"}, {ID: "globex-payroll", Name: "Globex Payroll"},
	}
	state := func(id string, s monitor.State, in []monitor.Incident, m []monitor.Maintenance) {
		for i := range svcs {
			if svcs[i].ID == id {
				svcs[i].State, svcs[i].Incidents, svcs[i].Maintenances = s, in, m
				if s == monitor.StateOperational && len(in) == 0 {
					svcs[i].Reason = ""
				}
			}
		}
	}
	record := func(at time.Time) {
		set(at)
		snap := monitor.Snapshot{At: at, Services: make([]monitor.ServiceStatus, len(svcs))}
		for i, sv := range svcs {
			sv.CheckedAt = at
			sv.Sources = []monitor.SourceStatus{{ID: "page", Kind: "page", Platform: "statuspage", State: sv.State, CheckedAt: at}}
			snap.Services[i] = sv
		}
		st.Record(monitor.Update{Snapshot: snap})
	}
	for i := range svcs {
		svcs[i].State = monitor.StateOperational
	}
	type event struct {
		ago, h, m int
		apply     func()
	}
	outage := monitor.Incident{ID: "inc-88", Title: "Elevated errors on card payments", Impact: monitor.StateMajorOutage, Status: "investigating",
		CreatedAt: day(2, 9, 58), UpdatedAt: day(2, 9, 58), LatestUpdate: "We are investigating elevated error rates for card payments in the EU. Some requests may fail."}
	events := []event{
		{52, 14, 0, func() {
			state("paypal", monitor.StatePartialOutage, []monitor.Incident{{ID: "pp-1", Title: "Checkout errors for some buyers", Impact: monitor.StatePartialOutage, Status: "investigating", CreatedAt: day(52, 13, 55), LatestUpdate: "Some buyers see errors at checkout."}}, nil)
		}},
		{52, 15, 10, func() { state("paypal", monitor.StateOperational, nil, nil) }},
		{31, 11, 0, func() {
			state("stripe", monitor.StateDegraded, []monitor.Incident{{ID: "st-2", Title: "Dashboard slow to load", Impact: monitor.StateDegraded, Status: "monitoring", CreatedAt: day(31, 10, 50), LatestUpdate: "The dashboard loads slowly; payments are not affected."}}, nil)
		}},
		{31, 12, 0, func() { state("stripe", monitor.StateOperational, nil, nil) }},
		{15, 2, 0, func() {
			state("paypal", monitor.StateMaintenance, nil, []monitor.Maintenance{{ID: "pp-m", Title: "Scheduled database maintenance", InProgress: true, StartsAt: day(15, 2, 0), EndsAt: day(15, 3, 0)}})
		}},
		{15, 3, 0, func() { state("paypal", monitor.StateOperational, nil, nil) }},
		{8, 16, 0, func() {
			state("square", monitor.StateDegraded, []monitor.Incident{{ID: "sq-1", Title: "Delayed card reader updates", Impact: monitor.StateDegraded, Status: "identified", CreatedAt: day(8, 15, 45), LatestUpdate: "Card reader software updates are delayed."}}, nil)
		}},
		{8, 18, 30, func() { state("square", monitor.StateOperational, nil, nil) }},
		{2, 10, 0, func() { state("stripe", monitor.StateMajorOutage, []monitor.Incident{outage}, nil) }},
		{2, 10, 30, func() {
			outage.Status, outage.UpdatedAt, outage.LatestUpdate = "identified", day(2, 10, 29), "We have identified the cause and are applying a fix."
			state("stripe", monitor.StateMajorOutage, []monitor.Incident{outage}, nil)
		}},
		{2, 11, 30, func() {
			outage.Status, outage.ResolvedAt, outage.UpdatedAt, outage.LatestUpdate = "resolved", day(2, 11, 28), day(2, 11, 28), "This incident has been resolved."
			state("stripe", monitor.StateOperational, nil, nil)
			svcs[0].Resolved = []monitor.Incident{outage}
		}},
		{0, 14, 40, func() {
			state("stripe", monitor.StateDegraded, []monitor.Incident{{ID: "st-3", Title: "Delayed payouts", Impact: monitor.StateDegraded, Status: "identified", CreatedAt: day(0, 14, 30), LatestUpdate: "We have identified the cause of delayed payouts."}}, nil)
		}},
	}
	next := 0
	for ago := 70; ago >= 0; ago-- {
		if ago == 40 || ago == 39 {
			continue // the computer was off
		}
		if ago == 38 {
			st.RecordGap(history.GapNotRunning, day(41, 19, 0), day(38, 8, 0))
		}
		record(day(ago, 8, 0))
		for next < len(events) && events[next].ago == ago {
			events[next].apply()
			record(day(ago, events[next].h, events[next].m))
			next++
		}
		if ago > 0 {
			record(day(ago, 19, 0))
			svcs[0].Resolved = nil
		}
	}
	set(now)
	fctx, fcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer fcancel()
	if err := st.Flush(fctx); err != nil {
		t.Fatal(err)
	}
	return st
}
