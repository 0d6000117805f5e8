package app

import (
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

var t0 = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

func svc(name string, st monitor.State, checked time.Time) monitor.ServiceStatus {
	return monitor.ServiceStatus{ID: monitor.Slug(name), Name: name, State: st, CheckedAt: checked, URL: "https://status.example.com/" + monitor.Slug(name)}
}

func TestServiceLine(t *testing.T) {
	stale := svc("PayPal", monitor.StateDegraded, t0.Add(-3*time.Minute))
	stale.Stale = true
	tests := []struct {
		name string
		sv   monitor.ServiceStatus
		want string
	}{
		{"outage", svc("Stripe", monitor.StateMajorOutage, t0.Add(-150*time.Second)), "Stripe — Major outage · checked 2 min ago"},
		{"fresh", svc("Stripe", monitor.StateOperational, t0.Add(-2*time.Second)), "Stripe — Operational · checked just now"},
		{"stale", stale, "PayPal — Degraded · last known 3 min ago"},
		{"unknown", svc("Visa", monitor.StateUnknown, t0.Add(-time.Hour)), "Visa — Can't tell · checked 1 h ago"},
		{"never checked", svc("Visa", monitor.StateUnknown, time.Time{}), "Visa — checking…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ServiceLine(tt.sv, t0); got != tt.want {
				t.Errorf("ServiceLine() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestIconState(t *testing.T) {
	tests := []struct {
		name string
		snap monitor.Snapshot
		want string
	}{
		{"starting", monitor.Snapshot{Services: []monitor.ServiceStatus{svc("A", monitor.StateUnknown, time.Time{})}}, "unknown"},
		{"worst wins", monitor.Snapshot{Services: []monitor.ServiceStatus{svc("A", monitor.StateDegraded, t0), svc("B", monitor.StateMajorOutage, t0), svc("C", monitor.StateMaintenance, t0)}}, "major_outage"},
		{"unknown above operational", monitor.Snapshot{Services: []monitor.ServiceStatus{svc("A", monitor.StateOperational, t0), svc("B", monitor.StateUnknown, t0)}}, "unknown"},
		{"maintenance above unknown", monitor.Snapshot{Services: []monitor.ServiceStatus{svc("A", monitor.StateMaintenance, t0), svc("B", monitor.StateUnknown, t0)}}, "maintenance"},
		{"offline", monitor.Snapshot{Offline: true, Services: []monitor.ServiceStatus{svc("A", monitor.StateMajorOutage, t0)}}, "offline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IconState(tt.snap); got != tt.want {
				t.Errorf("IconState() = %q, want %q", got, tt.want)
			}
			if _, err := TrayIcon(tt.want); err != nil {
				t.Errorf("TrayIcon(%q): %v", tt.want, err)
			}
		})
	}
}

func TestAgo(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{{0, "just now"}, {4 * time.Second, "just now"}, {23 * time.Second, "just now"}, {59 * time.Second, "just now"}, {69 * time.Second, "just now"}, {119 * time.Second, "just now"}, {2 * time.Minute, "2 min ago"}, {150 * time.Second, "2 min ago"}, {3 * time.Hour, "3 h ago"}, {72 * time.Hour, "3 days ago"}} {
		if got := Ago(tt.d); got != tt.want {
			t.Errorf("Ago(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// TestAgoChanges: the tray redraws an age exactly when it would read differently, not before.
func TestAgoChanges(t *testing.T) {
	checked := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	for _, d := range []time.Duration{-time.Minute, 0, 59 * time.Second, 119 * time.Second, 2 * time.Minute, 150 * time.Second, 59*time.Minute + 30*time.Second,
		time.Hour, 3*time.Hour + time.Minute, 47*time.Hour + 59*time.Minute, 48 * time.Hour, 72*time.Hour + time.Hour} {
		now := checked.Add(d)
		next := AgoChanges(checked, now)
		if !next.After(now) {
			t.Errorf("%v after the check: next change at %v, not after now", d, next.Sub(checked))
			continue
		}
		was := Ago(now.Sub(checked))
		if got := Ago(next.Add(-time.Nanosecond).Sub(checked)); got != was {
			t.Errorf("%v after the check: %q already reads %q before the change at %v", d, was, got, next.Sub(checked))
		}
		if got := Ago(next.Sub(checked)); got == was {
			t.Errorf("%v after the check: still %q at the change at %v", d, got, next.Sub(checked))
		}
	}
}

func TestMaintenanceLine(t *testing.T) {
	zone := time.FixedZone("CET", 3600)
	now := time.Date(2026, 12, 3, 12, 38, 0, 0, zone) // a Thursday
	at := func(day, h, m int) time.Time { return time.Date(2026, 12, day, h, m, 0, 0, zone).UTC() }
	tests := []struct {
		name string
		m    monitor.Maintenance
		want string
	}{
		{"in two hours", monitor.Maintenance{StartsAt: at(3, 14, 38), EndsAt: at(3, 15, 38)}, "Maintenance planned today 14:38–15:38"},
		{"tomorrow", monitor.Maintenance{StartsAt: at(4, 9, 0), EndsAt: at(4, 10, 30)}, "Maintenance planned tomorrow 09:00–10:30"},
		{"this week", monitor.Maintenance{StartsAt: at(8, 14, 38), EndsAt: at(8, 15, 38)}, "Maintenance planned Tue 14:38–15:38"},
		{"next Thursday has its date", monitor.Maintenance{StartsAt: at(10, 14, 38), EndsAt: at(10, 15, 38)}, "Maintenance planned Thu 10 Dec 14:38–15:38"},
		{"across midnight", monitor.Maintenance{StartsAt: at(5, 22, 0), EndsAt: at(6, 2, 0)}, "Maintenance planned Sat 22:00 – Sun 02:00"},
		{"tonight to tomorrow", monitor.Maintenance{StartsAt: at(3, 23, 0), EndsAt: at(4, 1, 0)}, "Maintenance planned 23:00 – tomorrow 01:00"},
		{"no end", monitor.Maintenance{StartsAt: at(4, 6, 0)}, "Maintenance planned tomorrow from 06:00"},
		{"no times", monitor.Maintenance{}, "Maintenance planned"},
		{"in progress", monitor.Maintenance{InProgress: true, StartsAt: at(3, 12, 0), EndsAt: at(3, 13, 0)}, "Maintenance in progress until 13:00"},
		{"in progress past midnight", monitor.Maintenance{InProgress: true, StartsAt: at(3, 12, 0), EndsAt: at(4, 1, 0)}, "Maintenance in progress until tomorrow 01:00"},
		{"in progress, no end", monitor.Maintenance{InProgress: true}, "Maintenance in progress"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MaintenanceLine(tt.m, now); got != tt.want {
				t.Errorf("MaintenanceLine() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNextMaintenance(t *testing.T) {
	now := t0
	early := monitor.Maintenance{Title: "early", StartsAt: now.Add(time.Hour), EndsAt: now.Add(2 * time.Hour)}
	late := monitor.Maintenance{Title: "late", StartsAt: now.Add(24 * time.Hour)}
	running := monitor.Maintenance{Title: "running", InProgress: true, StartsAt: now.Add(-time.Hour)}
	over := monitor.Maintenance{Title: "over", StartsAt: now.Add(-3 * time.Hour), EndsAt: now.Add(-2 * time.Hour)}
	filtered := monitor.Maintenance{Title: "filtered", StartsAt: now.Add(time.Minute), Filtered: true}
	tests := []struct {
		name string
		ms   []monitor.Maintenance
		want string
	}{
		{"none", nil, ""},
		{"earliest ahead", []monitor.Maintenance{late, early}, "early"},
		{"in progress first", []monitor.Maintenance{early, running, late}, "running"},
		{"past and filtered skipped", []monitor.Maintenance{over, filtered}, ""},
		{"past skipped", []monitor.Maintenance{over, late}, "late"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sv := svc("Globex Payroll", monitor.StateOperational, now)
			sv.Maintenances = tt.ms
			m, ok := NextMaintenance(sv, now)
			if ok != (tt.want != "") || m.Title != tt.want {
				t.Errorf("NextMaintenance() = %q, %v; want %q", m.Title, ok, tt.want)
			}
		})
	}
}

func TestByProblem(t *testing.T) {
	comps := []monitor.Component{
		{Name: "API", State: monitor.StateOperational},
		{Name: "Theme editor", State: monitor.StateMajorOutage, Filtered: true},
		{Name: "Payouts", State: monitor.StateDegraded},
		{Name: "Checkout", State: monitor.StateMajorOutage},
		{Name: "Dashboard", State: monitor.StateOperational},
	}
	var got []string
	for _, c := range ByProblem(comps) {
		got = append(got, c.Name)
	}
	if want := []string{"Checkout", "Payouts", "API", "Dashboard", "Theme editor"}; !equal(got, want) {
		t.Errorf("ByProblem() = %q, want %q", got, want)
	}
	if comps[0].Name != "API" || comps[1].Name != "Theme editor" {
		t.Error("ByProblem changed its argument")
	}
}
