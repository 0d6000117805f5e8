package app

import (
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/paywatch/paywatch/monitor"
)

// walk visits o and everything drawn inside it, as the canvas has it.
func walk(o fyne.CanvasObject, f func(fyne.CanvasObject) bool) {
	if o == nil || !o.Visible() || !f(o) {
		return
	}
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			walk(c, f)
		}
	case *widget.Label, *widget.Hyperlink, *widget.Button:
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			walk(c, f)
		}
	}
}

// texts are the labels', buttons' and links' texts inside o, in drawing order.
func texts(o fyne.CanvasObject) []string {
	var out []string
	walk(o, func(o fyne.CanvasObject) bool {
		switch x := o.(type) {
		case *widget.Label:
			out = append(out, x.Text)
		case *widget.Button:
			out = append(out, x.Text)
		case *widget.Hyperlink:
			out = append(out, x.Text)
		}
		return true
	})
	return out
}

func joined(o fyne.CanvasObject) string { return strings.Join(texts(o), "\n") }

// button finds the button labelled text inside o.
func button(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	walk(o, func(o fyne.CanvasObject) bool {
		if b, ok := o.(*widget.Button); ok && b.Text == text && found == nil {
			found = b
		}
		return found == nil
	})
	if found == nil {
		t.Fatalf("no %q button in %q", text, texts(o))
	}
	return found
}

// zone is the user's time zone in the window tests; now is a Thursday early afternoon there.
var (
	zone = time.FixedZone("CET", 3600)
	now  = time.Date(2026, 12, 3, 12, 38, 0, 0, zone)
)

func problemSnapshot() monitor.Snapshot {
	stripe := svc("Stripe", monitor.StateMajorOutage, now.Add(-3*time.Minute))
	stripe.Reason = "Card payments failing"
	stripe.Guidance = "Take card payments with your backup terminal."
	stripe.SupportURL = "https://support.stripe.com"
	stripe.Components = []monitor.Component{
		{Name: "API", State: monitor.StateOperational},
		{Name: "Dashboard", State: monitor.StateDegraded},
		{Name: "Card payments", State: monitor.StateMajorOutage},
	}
	stripe.Incidents = []monitor.Incident{{Title: "Card payments failing", Impact: monitor.StateMajorOutage, Status: "identified",
		UpdatedAt: now.Add(-10 * time.Minute), LatestUpdate: "We have found the cause and are rolling out a fix."}}
	globex := svc("Globex Payroll", monitor.StateOperational, now.Add(-time.Minute))
	globex.Maintenances = []monitor.Maintenance{{Title: "Payroll system upgrade", StartsAt: now.Add(2 * time.Hour), EndsAt: now.Add(3 * time.Hour)}}
	return monitor.Snapshot{At: now, Services: []monitor.ServiceStatus{stripe, globex}}
}

func shownWindow(t *testing.T, a fyne.App, open func(string)) *StatusWindow {
	t.Helper()
	if open == nil {
		open = func(string) {}
	}
	w := NewStatusWindow(a, Actions{CheckNow: func() {}}, open)
	w.now = func() time.Time { return now }
	w.Render(problemSnapshot(), "", now)
	w.Show()
	return w
}

func TestStatusWindowListAndDetail(t *testing.T) {
	a := test.NewTempApp(t)
	var opened []string
	w := shownWindow(t, a, func(u string) { opened = append(opened, u) })

	if n := w.list.Length(); n != 2 {
		t.Fatalf("list has %d services, want 2", n)
	}
	list := texts(w.list)
	for _, want := range []string{"Stripe", "Major outage", "Globex Payroll", "Operational · maintenance planned"} {
		if !slices.Contains(list, want) {
			t.Errorf("list %q lacks %q", list, want)
		}
	}

	// The first service is chosen: problems first among its components, its open incident with
	// the latest update, and what to do.
	got := joined(w.detail)
	for _, want := range []string{
		"Stripe", "Major outage · checked 3 min ago", "Open status page", "Contact support",
		"Open incidents", "Card payments failing (major outage)",
		"Identified, updated 12:28: We have found the cause and are rolling out a fix.",
		"Components", "• Card payments — Major outage\n• Dashboard — Degraded\n• API — Operational",
		"What you can do", "Take card payments with your backup terminal.", "Support: https://support.stripe.com",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("detail lacks %q; it reads:\n%s", want, got)
		}
	}
	test.Tap(button(t, w.detail, "Contact support"))
	test.Tap(button(t, w.detail, "Open status page"))
	if want := []string{"https://support.stripe.com", "https://status.example.com/stripe"}; !slices.Equal(opened, want) {
		t.Errorf("opened %q, want %q", opened, want)
	}

	// Choosing the second shows its planned maintenance, which no popup has to be remembered for.
	w.list.Select(1)
	got = joined(w.detail)
	for _, want := range []string{"Globex Payroll", "Maintenance planned today 14:38–15:38", "Planned maintenance", "Maintenance planned today 14:38–15:38: Payroll system upgrade"} {
		if !strings.Contains(got, want) {
			t.Errorf("detail lacks %q; it reads:\n%s", want, got)
		}
	}
	if strings.Contains(got, "What you can do") {
		t.Error("a service without guidance has a \"What you can do\" section")
	}

	// A new snapshot keeps the choice.
	w.Render(problemSnapshot(), "", now)
	if got := joined(w.detail); !strings.HasPrefix(got, "Globex Payroll") {
		t.Errorf("after a new snapshot the detail shows:\n%s", got)
	}
}

func TestStatusWindowButtonsKeepTheirWidth(t *testing.T) {
	a := test.NewTempApp(t)
	w := shownWindow(t, a, nil)
	w.win.Resize(fyne.NewSize(1400, 700))
	for _, b := range []*widget.Button{button(t, w.toolbar, "Check now"), button(t, w.detail, "Open status page"), button(t, w.detail, "Contact support")} {
		if got, want := b.Size().Width, b.MinSize().Width; got > want+1 {
			t.Errorf("%q is %.0f wide in a 1400 wide window, want its label's %.0f", b.Text, got, want)
		}
	}
}

func TestStatusWindowRemembersItsSize(t *testing.T) {
	a := test.NewTempApp(t)
	w := shownWindow(t, a, nil)
	if got, want := w.win.Canvas().Size(), fyne.NewSize(defaultWidth, defaultHeight); got != want {
		t.Errorf("first size %v, want %v", got, want)
	}
	w.win.Resize(fyne.NewSize(700, 480))
	w.hide() // what the close button does (Fyne's test windows have no close button)
	if w.visible {
		t.Error("still visible after closing")
	}

	again := shownWindow(t, a, nil) // the next run of Paywatch, with the same preferences
	if got, want := again.win.Canvas().Size(), fyne.NewSize(700, 480); got != want {
		t.Errorf("size after a restart %v, want %v", got, want)
	}

	again.win.Resize(fyne.NewSize(100, 60))
	again.hide()
	third := shownWindow(t, a, nil)
	if got, want := third.win.Canvas().Size(), fyne.NewSize(minWidth, minHeight); got != want {
		t.Errorf("a window saved at 100×60 opens at %v, want at least %v", got, want)
	}
}

func TestMenuShowsPlannedMaintenance(t *testing.T) {
	a := test.NewTempApp(t)
	tray := &fakeTray{}
	d := NewDesktop(a, tray, Actions{CheckNow: func() {}, Quit: func() {}}, nil)
	local := time.Date(2026, 12, 3, 12, 38, 0, 0, time.Local)
	s := problemSnapshot()
	s.Services[0].CheckedAt = local
	s.Services[1].CheckedAt = local
	s.Services[1].Maintenances[0].StartsAt = local.Add(2 * time.Hour)
	s.Services[1].Maintenances[0].EndsAt = local.Add(3 * time.Hour)
	d.Apply(s)
	got := labels(d.Menu(local))
	want := []string{"Stripe — Major outage · checked just now", "Globex Payroll — Operational · checked just now",
		"Globex Payroll — Maintenance planned today 14:38–15:38", "", "Check now", "Open status page", "Open status window", "", "Quit"}
	if !slices.Equal(got, want) {
		t.Fatalf("menu = %q, want %q", got, want)
	}
	if it := d.Menu(local).Items[2]; !it.Disabled {
		t.Error("the maintenance line can be clicked")
	}

	// Announced maintenance changes the menu at once, not at the next tick.
	u1 := monitor.Update{Snapshot: problemSnapshot()}
	u2 := monitor.Update{Snapshot: problemSnapshot()}
	u2.Snapshot.Services[1].Maintenances = nil
	if signature(u1) == signature(u2) {
		t.Error("a maintenance announced or withdrawn does not change the update's signature")
	}
}

func TestStatusWindowTabsWithoutHistory(t *testing.T) {
	a := test.NewTempApp(t)
	w := shownWindow(t, a, nil)
	if n := len(w.tabs.Items); n != 1 {
		t.Errorf("%d tabs without a record, want 1 (Status)", n)
	}
	for _, s := range texts(w.toolbar) {
		if s == "Export evidence…" {
			t.Error("an Export evidence button without an export")
		}
	}
	w.ShowHistory() // falls back to the Status tab
	if w.tabs.Selected() == nil || w.tabs.Selected().Text != "Status" {
		t.Error("ShowHistory without a record did not show the Status tab")
	}
}
