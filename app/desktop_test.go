package app

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/paywatch/paywatch/monitor"
)

type fakeTray struct {
	mu       sync.Mutex
	icons    []string
	menus    []*fyne.Menu
	tooltips []string
}

func (f *fakeTray) SetIcon(r fyne.Resource) {
	f.mu.Lock()
	f.icons = append(f.icons, r.Name())
	f.mu.Unlock()
}
func (f *fakeTray) SetMenu(m *fyne.Menu) { f.mu.Lock(); f.menus = append(f.menus, m); f.mu.Unlock() }
func (f *fakeTray) SetTooltip(s string) {
	f.mu.Lock()
	f.tooltips = append(f.tooltips, s)
	f.mu.Unlock()
}

func (f *fakeTray) lastIcon() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.icons) == 0 {
		return ""
	}
	return f.icons[len(f.icons)-1]
}

func (f *fakeTray) menuCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.menus)
}

func (f *fakeTray) lastMenu() *fyne.Menu {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.menus[len(f.menus)-1]
}

func labels(m *fyne.Menu) []string {
	var out []string
	for _, it := range m.Items {
		out = append(out, it.Label)
	}
	return out
}

func TestDesktopRendersFromSnapshot(t *testing.T) {
	a := test.NewTempApp(t)
	tray := &fakeTray{}
	checks := 0
	d := NewDesktop(a, tray, Actions{CheckNow: func() { checks++ }, Quit: func() {}}, nil)

	now := time.Now()
	d.Apply(monitor.Snapshot{Services: []monitor.ServiceStatus{svc("Stripe", monitor.StateOperational, now), svc("Square", monitor.StateOperational, now)}})
	if got, want := tray.icons, []string{"paywatch-operational.png"}; !equal(got, want) {
		t.Fatalf("icons = %v, want %v", got, want)
	}
	m := tray.menus[len(tray.menus)-1]
	got := labels(m)
	want := []string{"Stripe — Operational · checked just now", "Square — Operational · checked just now", "", "Check now", "Open status page", "Open status window", "", "Quit"}
	if !equal(got, want) {
		t.Fatalf("menu = %q, want %q", got, want)
	}
	open := m.Items[4]
	if open.ChildMenu == nil || !equal(labels(open.ChildMenu), []string{"Stripe", "Square"}) {
		t.Fatalf("Open status page submenu = %v, want one entry per service", open.ChildMenu)
	}
	if !m.Items[len(m.Items)-1].IsQuit {
		t.Error("last item is not marked IsQuit; Fyne would add a second Quit")
	}
	m.Items[3].Action()
	if checks != 1 {
		t.Errorf("Check now ran CheckNow %d times, want 1", checks)
	}

	// A change re-renders the icon and menu; an identical snapshot does not rebuild the menu.
	menusBefore := len(tray.menus)
	d.Apply(monitor.Snapshot{Services: []monitor.ServiceStatus{svc("Stripe", monitor.StateMajorOutage, now), svc("Square", monitor.StateOperational, now)}})
	if last := tray.icons[len(tray.icons)-1]; last != "paywatch-major_outage.png" {
		t.Errorf("icon after outage = %s, want paywatch-major_outage.png", last)
	}
	if len(tray.menus) != menusBefore+1 || !strings.HasPrefix(tray.menus[len(tray.menus)-1].Items[0].Label, "Stripe — Major outage") {
		t.Errorf("menu not rebuilt with the outage: %v", labels(tray.menus[len(tray.menus)-1]))
	}
	if tt := tray.tooltips[len(tray.tooltips)-1]; tt != "Paywatch: 1 of 2 services has problems" {
		t.Errorf("tooltip = %q", tt)
	}
	menusBefore = len(tray.menus)
	iconsBefore := len(tray.icons)
	d.Apply(monitor.Snapshot{Services: []monitor.ServiceStatus{svc("Stripe", monitor.StateMajorOutage, now), svc("Square", monitor.StateOperational, now)}})
	if len(tray.menus) != menusBefore || len(tray.icons) != iconsBefore {
		t.Errorf("unchanged snapshot rebuilt the tray: menus %d→%d, icons %d→%d", menusBefore, len(tray.menus), iconsBefore, len(tray.icons))
	}
}

func TestDesktopOfflineMenu(t *testing.T) {
	a := test.NewTempApp(t)
	tray := &fakeTray{}
	d := NewDesktop(a, tray, Actions{}, nil)
	d.Apply(monitor.Snapshot{Offline: true, Services: []monitor.ServiceStatus{svc("Stripe", monitor.StateOperational, time.Now())}})
	m := tray.menus[len(tray.menus)-1]
	if m.Items[0].Label != "You appear to be offline" || !m.Items[0].Disabled {
		t.Errorf("first item = %q (disabled %v), want the offline notice", m.Items[0].Label, m.Items[0].Disabled)
	}
	if tray.icons[len(tray.icons)-1] != "paywatch-offline.png" {
		t.Errorf("icon = %s, want offline", tray.icons[len(tray.icons)-1])
	}
}

func TestDesktopRunQueuesNotifications(t *testing.T) {
	a := test.NewTempApp(t)
	tray := &fakeTray{}
	d := NewDesktop(a, tray, Actions{}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	updates := make(chan monitor.Update)
	done := make(chan struct{})
	go func() { d.Run(ctx, updates); close(done) }()
	updates <- monitor.Update{
		Snapshot:      monitor.Snapshot{Services: []monitor.ServiceStatus{svc("Stripe", monitor.StateMajorOutage, time.Now())}},
		Notifications: []monitor.Notification{{ServiceID: "stripe", Title: "Stripe: Major outage"}},
	}
	select {
	case n := <-d.Notifications():
		if n.Title != "Stripe: Major outage" {
			t.Errorf("notification = %q", n.Title)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no notification queued")
	}
	cancel()
	<-done
}

func TestStatusWindowShowsServices(t *testing.T) {
	a := test.NewTempApp(t)
	w := NewStatusWindow(a, Actions{}, func(string) {})
	sv := svc("Stripe", monitor.StateMajorOutage, time.Now())
	sv.Reason = "payments failing"
	w.Render(monitor.Snapshot{Services: []monitor.ServiceStatus{sv}}, "", time.Now())
	if w.win != nil {
		t.Fatal("a window that was never shown was created")
	}
	w.Show()
	if n := w.list.Length(); n != 1 {
		t.Fatalf("rows = %d, want 1 (one per service)", n)
	}
	if w.header.Text != "Paywatch: Stripe has problems" {
		t.Errorf("header = %q", w.header.Text)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestStartAtLoginCheckbox(t *testing.T) {
	a := test.NewTempApp(t)
	tray := &fakeTray{}
	var mu sync.Mutex
	installed := false
	calls := make(chan bool, 4)
	d := NewDesktop(a, tray, Actions{
		StartAtLogin: func() (bool, error) { mu.Lock(); defer mu.Unlock(); return installed, nil },
		SetStartAtLogin: func(on bool) error {
			mu.Lock()
			installed = on
			mu.Unlock()
			calls <- on
			return nil
		},
	}, nil)
	d.Apply(monitor.Snapshot{Services: []monitor.ServiceStatus{svc("Stripe", monitor.StateOperational, time.Now())}})
	item := func() *fyne.MenuItem {
		m := tray.lastMenu()
		for _, it := range m.Items {
			if strings.HasPrefix(it.Label, "Start at login") {
				return it
			}
		}
		t.Fatalf("no Start at login item in %q", labels(m))
		return nil
	}
	if it := item(); !it.Disabled {
		t.Error("Start at login is enabled before its real state is known")
	}
	d.refreshLogin(nil)
	if it := item(); it.Disabled || it.Checked {
		t.Fatalf("after reading the state: disabled %v checked %v, want enabled and unchecked", it.Disabled, it.Checked)
	}
	item().Action()
	if on := <-calls; !on {
		t.Fatal("toggle asked to turn start at login off, want on")
	}
	deadline := time.Now().Add(5 * time.Second)
	for !item().Checked {
		if time.Now().After(deadline) {
			t.Fatal("the check mark never appeared after enabling")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSnoozeAndAcknowledgeMenu(t *testing.T) {
	a := test.NewTempApp(t)
	tray := &fakeTray{}
	var snoozed []string
	var acked []string
	var until time.Time
	d := NewDesktop(a, tray, Actions{
		Snooze:      func(id string, u time.Time) { snoozed = append(snoozed, id); until = u },
		Resume:      func(id string) { snoozed = append(snoozed, "resume:"+id) },
		Acknowledge: func(key string) { acked = append(acked, key) },
	}, nil)
	sv := svc("Stripe", monitor.StateMajorOutage, time.Now())
	sv.Incidents = []monitor.Incident{{ID: "inc1", Title: "Card payments failing", Impact: monitor.StateMajorOutage}}
	d.Apply(monitor.Snapshot{Services: []monitor.ServiceStatus{sv, svc("Square", monitor.StateOperational, time.Now())}})
	find := func(m *fyne.Menu, label string) *fyne.MenuItem {
		t.Helper()
		for _, it := range m.Items {
			if it.Label == label {
				return it
			}
		}
		t.Fatalf("no %q in %q", label, labels(m))
		return nil
	}
	m := tray.lastMenu()
	find(m, "Acknowledge: Stripe — Card payments failing").Action()
	if want := monitor.IncidentKey("stripe", sv.Incidents[0]); len(acked) != 1 || acked[0] != want {
		t.Errorf("acknowledged %q, want [%q]", acked, want)
	}
	snooze := find(m, "Snooze notifications")
	find(find(snooze.ChildMenu, "Stripe").ChildMenu, "For 4 hours").Action()
	if len(snoozed) != 1 || snoozed[0] != "stripe" || time.Until(until) < 3*time.Hour+59*time.Minute {
		t.Errorf("snoozed %q until %v, want stripe for 4 hours", snoozed, until)
	}
	find(find(snooze.ChildMenu, "All services").ChildMenu, "Until tomorrow morning").Action()
	if until.Hour() != 8 || !until.After(time.Now()) {
		t.Errorf("until tomorrow morning = %v, want 08:00 tomorrow", until)
	}

	// The watcher reports the snooze and the acknowledgement back; the menu shows them.
	d.alerts = monitor.AlertView{SnoozedAll: time.Now().Add(time.Hour), Snoozed: map[string]time.Time{}, Acked: map[string]bool{monitor.IncidentKey("stripe", sv.Incidents[0]): true}}
	d.render()
	m = tray.lastMenu()
	if !strings.HasPrefix(m.Items[0].Label, "Notifications paused until ") || !m.Items[0].Disabled {
		t.Errorf("first item = %q, want the paused notice", m.Items[0].Label)
	}
	if it := find(m, "Acknowledged: Stripe — Card payments failing"); !it.Disabled {
		t.Error("an acknowledged incident can be acknowledged again")
	}
	resume := find(find(m, "Snooze notifications (some snoozed)").ChildMenu, "All services").ChildMenu.Items[0]
	resume.Action()
	if snoozed[len(snoozed)-1] != "resume:" {
		t.Errorf("resume called with %q, want all services", snoozed[len(snoozed)-1])
	}
}

func TestComponentsInMenuShowFilteredOnes(t *testing.T) {
	a := test.NewTempApp(t)
	tray := &fakeTray{}
	d := NewDesktop(a, tray, Actions{}, nil)
	sv := svc("Shopify", monitor.StateDegraded, time.Now())
	sv.Components = []monitor.Component{
		{Name: "Storefront theme editor", State: monitor.StateMajorOutage, Filtered: true},
		{Name: "Checkout", State: monitor.StateOperational},
		{Name: "Payments", State: monitor.StateDegraded},
	}
	d.Apply(monitor.Snapshot{Services: []monitor.ServiceStatus{sv}})
	line := tray.lastMenu().Items[0]
	if line.ChildMenu == nil {
		t.Fatal("a service with components has no submenu")
	}
	got := labels(line.ChildMenu)
	want := []string{"Payments — Degraded", "Checkout — Operational", "Storefront theme editor — Major outage (filtered out)", "", "Open status window"}
	if !equal(got, want) {
		t.Errorf("component submenu = %q, want %q", got, want)
	}
}

func TestServiceMenuSaysWhichSourceSaysWhat(t *testing.T) {
	a := test.NewTempApp(t)
	tray := &fakeTray{}
	d := NewDesktop(a, tray, Actions{}, nil)
	now := time.Now()
	sv := svc("American Express", monitor.StateMajorOutage, now)
	sv.Sources = []monitor.SourceStatus{
		{ID: "page", Kind: "page", State: monitor.StateOperational, CheckedAt: now},
		{ID: "probe:www.americanexpress.com", Kind: "probe", State: monitor.StateMajorOutage, Verdict: "failing", CheckedAt: now},
	}
	d.Apply(monitor.Snapshot{Services: []monitor.ServiceStatus{sv}})
	line := tray.lastMenu().Items[0]
	if line.ChildMenu == nil {
		t.Fatal("a service with a probe has no submenu")
	}
	got := labels(line.ChildMenu)
	want := []string{"Official status: operational", "From your network: failing", "", "Open status window"}
	if !equal(got, want) {
		t.Errorf("service submenu = %q, want %q", got, want)
	}
}

// TestMenuNotRebuiltBetweenPolls: Fyne rebuilds the whole tray menu on every change, so ages must
// not change while a page is polled as usual (every 60 s, up to 69 s with jitter): the menu is
// set once, not at each age.
func TestMenuNotRebuiltBetweenPolls(t *testing.T) {
	a := test.NewTempApp(t)
	tray := &fakeTray{}
	d := NewDesktop(a, tray, Actions{CheckNow: func() {}, Quit: func() {}}, nil)
	now := time.Now()
	for _, age := range []time.Duration{0, 10 * time.Second, 45 * time.Second, 61 * time.Second, 69 * time.Second, 100 * time.Second} {
		d.Apply(monitor.Snapshot{Services: []monitor.ServiceStatus{svc("Stripe", monitor.StateOperational, now.Add(-age))}})
	}
	if len(tray.menus) != 1 || len(tray.tooltips) != 1 {
		t.Fatalf("menu set %d times and tooltip %d times over one poll interval, want once each", len(tray.menus), len(tray.tooltips))
	}
	d.Apply(monitor.Snapshot{Services: []monitor.ServiceStatus{svc("Stripe", monitor.StateOperational, now.Add(-5*time.Minute))}})
	if got := labels(tray.lastMenu())[0]; len(tray.menus) != 2 || got != "Stripe — Operational · checked 5 min ago" {
		t.Errorf("after 5 minutes without a check: %d menus, first line %q", len(tray.menus), got)
	}
}

// TestNoticeIsDrawnByPrepare: SetNotice only sets the line; Prepare draws the menu with it (on
// the main goroutine, before Fyne runs, which Fyne needs to start its system tray).
func TestNoticeIsDrawnByPrepare(t *testing.T) {
	a := test.NewTempApp(t)
	tray := &fakeTray{}
	d := NewDesktop(a, tray, Actions{Quit: func() {}}, nil)
	d.SetNotice("Your settings file has a problem")
	if n := len(tray.menus); n != 0 {
		t.Fatalf("SetNotice drew %d menus, want none", n)
	}
	d.Prepare()
	if m := tray.lastMenu(); m.Items[0].Label != "Your settings file has a problem" || !m.Items[0].Disabled {
		t.Errorf("first item = %q (disabled %v), want the notice", m.Items[0].Label, m.Items[0].Disabled)
	}
}

// TestRunWaitsForLoginWork: Run returns only once the start-at-login read it started (which
// may run systemctl) has returned.
func TestRunWaitsForLoginWork(t *testing.T) {
	a := test.NewTempApp(t)
	synctest.Test(t, func(t *testing.T) {
		asked, release := make(chan struct{}), make(chan struct{})
		d := NewDesktop(a, &fakeTray{}, Actions{StartAtLogin: func() (bool, error) {
			close(asked)
			<-release
			return false, nil
		}}, nil)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { d.Run(ctx, make(chan monitor.Update)); close(done) }()
		<-asked
		cancel()
		synctest.Wait()
		select {
		case <-done:
			t.Fatal("Run returned while the start-at-login read it started was still running")
		default:
		}
		close(release)
		<-done
	})
}

// idleDesktop runs a desktop whose Problems counts its calls: Run looks at the problem lines
// once per update, and each drawing of the menu once more.
func idleDesktop(t *testing.T, a fyne.App) (tray *fakeTray, looks *atomic.Int32, updates chan monitor.Update) {
	looks = new(atomic.Int32)
	tray = &fakeTray{}
	d := NewDesktop(a, tray, Actions{Quit: func() {}, Problems: func() []string { looks.Add(1); return nil }}, nil)
	ctx, cancel := context.WithCancel(t.Context())
	updates = make(chan monitor.Update)
	done := make(chan struct{})
	go func() { d.Run(ctx, updates); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return tray, looks, updates
}

// TestNothingRunsBetweenPolls: a poll that changes nothing but the check time draws nothing,
// and no timer wakes the tray between polls; the menu is redrawn exactly when an age would
// read differently ("checked 2 min ago").
func TestNothingRunsBetweenPolls(t *testing.T) {
	a := test.NewTempApp(t)
	synctest.Test(t, func(t *testing.T) {
		tray, looks, updates := idleDesktop(t, a)
		poll := func() {
			updates <- monitor.Update{Snapshot: monitor.Snapshot{Services: []monitor.ServiceStatus{svc("Stripe", monitor.StateOperational, time.Now())}}}
			synctest.Wait()
		}
		poll()
		if n := looks.Load(); n != 2 {
			t.Fatalf("first update: %d looks at the problem lines, want 2 (the update, the drawing)", n)
		}
		for range 10 {
			time.Sleep(time.Minute)
			poll()
		}
		if n, m := looks.Load(), tray.menuCount(); n != 12 || m != 1 {
			t.Fatalf("ten polls a minute apart: %d looks and %d menus, want 12 looks (one per update, no drawing) and 1 menu", n, m)
		}
		time.Sleep(2*time.Minute - time.Second)
		synctest.Wait()
		if n := looks.Load(); n != 12 {
			t.Fatalf("%d looks before the age changes, want 12: something ran between polls", n)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if n, m := looks.Load(), tray.menuCount(); n != 13 || m != 2 {
			t.Fatalf("when the age changes: %d looks and %d menus, want 13 and 2", n, m)
		}
		if got := labels(tray.lastMenu())[0]; got != "Stripe — Operational · checked 2 min ago" {
			t.Errorf("first line = %q", got)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if got := labels(tray.lastMenu())[0]; got != "Stripe — Operational · checked 3 min ago" {
			t.Errorf("a minute later: first line = %q", got)
		}
	})
}

// TestOpenWindowIsRedrawn: while the status window is open it is redrawn every 10 s; once it
// is closed, only when an age would read differently.
func TestOpenWindowIsRedrawn(t *testing.T) {
	a := test.NewTempApp(t)
	d := NewDesktop(a, &fakeTray{}, Actions{Quit: func() {}}, nil)
	now := time.Now()
	d.Apply(monitor.Snapshot{Services: []monitor.ServiceStatus{svc("Stripe", monitor.StateOperational, now)}})
	d.Window().Show()
	if got := d.nextRedraw(now).Sub(now); got != windowRefresh {
		t.Errorf("window open: next redraw in %v, want %v", got, windowRefresh)
	}
	d.Window().hide()
	if got := d.nextRedraw(now).Sub(now); got != 2*time.Minute {
		t.Errorf("window closed: next redraw in %v, want 2m0s (the age)", got)
	}
}

// TestRedrawForSnoozesAndMaintenance: a snooze ending, a planned maintenance ending, and
// midnight (its line says "today" or "tomorrow") each redraw the menu; nothing else does.
func TestRedrawForSnoozesAndMaintenance(t *testing.T) {
	a := test.NewTempApp(t)
	d := NewDesktop(a, &fakeTray{}, Actions{Quit: func() {}}, nil)
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.Local)
	d.snap = monitor.Snapshot{Services: []monitor.ServiceStatus{{ID: "stripe", Name: "Stripe"}}} // not checked yet: no age
	if got := d.nextRedraw(now); !got.IsZero() {
		t.Errorf("nothing that times out: next redraw at %v, want none", got)
	}
	d.alerts = monitor.AlertView{Snoozed: map[string]time.Time{"stripe": now.Add(time.Hour)}}
	if got := d.nextRedraw(now); !got.Equal(now.Add(time.Hour)) {
		t.Errorf("snoozed for an hour: next redraw at %v, want when it ends", got)
	}
	d.alerts = monitor.AlertView{SnoozedAll: now.Add(20 * time.Hour)}
	if got, want := d.nextRedraw(now), time.Date(2026, 12, 4, 0, 0, 0, 0, time.Local); !got.Equal(want) {
		t.Errorf("snoozed until tomorrow: next redraw at %v, want midnight (\"tomorrow 08:00\" becomes \"08:00\")", got)
	}
	d.alerts = monitor.AlertView{}
	d.snap.Services[0].Maintenances = []monitor.Maintenance{{StartsAt: now.Add(time.Hour), EndsAt: now.Add(2 * time.Hour)}}
	if got := d.nextRedraw(now); !got.Equal(now.Add(2 * time.Hour)) {
		t.Errorf("maintenance today: next redraw at %v, want its end", got)
	}
}

// TestProblemLineShownWithNextUpdate: a problem line that appears (a team channel failing)
// redraws the menu at the next update even though the services did not change.
func TestProblemLineShownWithNextUpdate(t *testing.T) {
	a := test.NewTempApp(t)
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var lines []string
		tray := &fakeTray{}
		d := NewDesktop(a, tray, Actions{Quit: func() {}, Problems: func() []string { mu.Lock(); defer mu.Unlock(); return lines }}, nil)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		updates := make(chan monitor.Update)
		go d.Run(ctx, updates)
		checked := time.Now()
		u := monitor.Update{Snapshot: monitor.Snapshot{Services: []monitor.ServiceStatus{svc("Stripe", monitor.StateOperational, checked)}}}
		updates <- u
		synctest.Wait()
		mu.Lock()
		lines = []string{"Team alerts to ops are failing: 500"}
		mu.Unlock()
		time.Sleep(menuGap)
		updates <- u
		synctest.Wait()
		if got := labels(tray.lastMenu())[0]; got != "Team alerts to ops are failing: 500" {
			t.Errorf("first line = %q, want the problem", got)
		}
		cancel()
		synctest.Wait()
	})
}

// TestSettledOnceEveryServiceIsChecked: the start-up work is over when every service has been
// checked once, and only then; it is said once.
func TestSettledOnceEveryServiceIsChecked(t *testing.T) {
	a := test.NewTempApp(t)
	synctest.Test(t, func(t *testing.T) {
		tray := &fakeTray{}
		d := NewDesktop(a, tray, Actions{Quit: func() {}}, nil)
		var settled atomic.Int32
		d.SetOnSettled(func() { settled.Add(1) })
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		updates := make(chan monitor.Update)
		go d.Run(ctx, updates)
		now := time.Now()
		for i, svcs := range [][]monitor.ServiceStatus{
			{svc("Stripe", monitor.StateOperational, time.Time{}), svc("Adyen", monitor.StateOperational, time.Time{})},
			{svc("Stripe", monitor.StateOperational, now), svc("Adyen", monitor.StateOperational, time.Time{})},
			{svc("Stripe", monitor.StateOperational, now), svc("Adyen", monitor.StateMajorOutage, now)},
			{svc("Stripe", monitor.StateOperational, now), svc("Adyen", monitor.StateOperational, now)},
		} {
			updates <- monitor.Update{Snapshot: monitor.Snapshot{Services: svcs}}
			time.Sleep(menuGap) // a menu held back is set
			synctest.Wait()
			if want := int32(min(max(i-1, 0), 1)); settled.Load() != want {
				t.Errorf("after update %d: settled %d times, want %d", i+1, settled.Load(), want)
			}
		}
		cancel()
		synctest.Wait()
	})
}

// TestMenuAtMostOnceASecond: while updates come in one after the other (the first round of
// checks), the icon changes with each and the menu is set at most once a second, ending with
// the latest state; the start-up is said to be over only once that menu is set.
func TestMenuAtMostOnceASecond(t *testing.T) {
	a := test.NewTempApp(t)
	synctest.Test(t, func(t *testing.T) {
		tray := &fakeTray{}
		d := NewDesktop(a, tray, Actions{Quit: func() {}}, nil)
		var settled atomic.Int32
		d.SetOnSettled(func() { settled.Add(1) })
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		updates := make(chan monitor.Update)
		go d.Run(ctx, updates)
		names := []string{"Adyen", "Braintree", "Checkout", "Stripe", "Worldpay"}
		svcs := make([]monitor.ServiceStatus, len(names))
		for i, n := range names {
			svcs[i] = svc(n, monitor.StateOperational, time.Time{})
		}
		start := time.Now()
		for i := range names {
			svcs = slices.Clone(svcs)
			svcs[i].CheckedAt = time.Now()
			if i == len(names)-1 {
				svcs[i].State = monitor.StateMajorOutage
			}
			updates <- monitor.Update{Snapshot: monitor.Snapshot{Services: svcs}}
			synctest.Wait()
			time.Sleep(300 * time.Millisecond)
		}
		if got := tray.lastIcon(); got != "paywatch-major_outage.png" {
			t.Errorf("icon after the outage = %q, want the outage icon at once", got)
		}
		if n := tray.menuCount(); n != 2 {
			t.Errorf("%d menus for 5 updates within %v, want 2 (the first, then one a second later)", n, time.Since(start))
		}
		if n := settled.Load(); n != 0 {
			t.Errorf("start-up said over before the menu with every service was set")
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if n := tray.menuCount(); n != 3 {
			t.Errorf("%d menus once the updates stopped, want 3", n)
		}
		if got := labels(tray.lastMenu())[4]; got != "Worldpay — Major outage · checked just now" {
			t.Errorf("last menu's Worldpay line = %q", got)
		}
		if n := settled.Load(); n != 1 {
			t.Errorf("start-up said over %d times, want once", n)
		}
	})
}

// TestNoWindowUntilOpened: the tray app builds no window (a drawing context and its memory)
// until one is opened: the status window on Show, the settings window on its Show.
func TestNoWindowUntilOpened(t *testing.T) {
	a := test.NewTempApp(t)
	base := len(a.Driver().AllWindows()) // the test driver's own
	d := NewDesktop(a, &fakeTray{}, Actions{Quit: func() {}}, nil)
	NewSettingsWindow(a, SettingsDeps{})
	d.Prepare()
	d.Apply(monitor.Snapshot{Services: []monitor.ServiceStatus{svc("Stripe", monitor.StateOperational, time.Now())}})
	if n := len(a.Driver().AllWindows()) - base; n != 0 {
		t.Fatalf("%d windows before any was opened, want none", n)
	}
	d.Window().Show()
	if n := len(a.Driver().AllWindows()) - base; n != 1 {
		t.Errorf("%d windows once the status window is opened, want 1", n)
	}
}
