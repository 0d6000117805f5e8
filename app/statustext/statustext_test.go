package statustext

import (
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

var t0 = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

func svc(name string, st monitor.State, checked time.Time) monitor.ServiceStatus {
	return monitor.ServiceStatus{ID: monitor.Slug(name), Name: name, State: st, CheckedAt: checked, URL: "https://status.example.com/" + monitor.Slug(name)}
}

func TestTooltip(t *testing.T) {
	tests := []struct {
		name string
		snap monitor.Snapshot
		want string
	}{
		{"nothing", monitor.Snapshot{}, "Paywatch: no services to watch"},
		{"not checked yet", monitor.Snapshot{Services: []monitor.ServiceStatus{svc("Stripe", monitor.StateUnknown, time.Time{})}}, "Paywatch: checking services…"},
		{"all fine", monitor.Snapshot{Services: []monitor.ServiceStatus{svc("Stripe", monitor.StateOperational, t0), svc("PayPal", monitor.StateOperational, t0)}}, "Paywatch: all 2 services working normally"},
		{"one problem", monitor.Snapshot{Services: []monitor.ServiceStatus{svc("Stripe", monitor.StateMajorOutage, t0), svc("PayPal", monitor.StateOperational, t0)}}, "Paywatch: 1 of 2 services has problems"},
		{"two problems", monitor.Snapshot{Services: []monitor.ServiceStatus{
			svc("Stripe", monitor.StateMajorOutage, t0), svc("PayPal", monitor.StateMaintenance, t0), svc("Square", monitor.StateOperational, t0),
			svc("Visa", monitor.StateOperational, t0), svc("Amex", monitor.StateOperational, t0), svc("Xero", monitor.StateOperational, t0)}}, "Paywatch: 2 of 6 services have problems"},
		{"unknown only", monitor.Snapshot{Services: []monitor.ServiceStatus{svc("Stripe", monitor.StateUnknown, t0), svc("PayPal", monitor.StateOperational, t0)}}, "Paywatch: 1 of 2 services could not be checked"},
		{"offline", monitor.Snapshot{Offline: true, Services: []monitor.ServiceStatus{svc("Stripe", monitor.StateOperational, t0)}}, "You appear to be offline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Tooltip(tt.snap); got != tt.want {
				t.Errorf("Tooltip() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDetailSanitizesAndGuides(t *testing.T) {
	sv := svc("Stripe", monitor.StateMajorOutage, t0)
	sv.Reason = "card payments failing"
	sv.Guidance = "Use your backup processor."
	sv.Incidents = []monitor.Incident{{Title: "<b>Payments</b> down", Impact: monitor.StateMajorOutage, LatestUpdate: "We are <script>x</script>investigating &amp; fixing."}}
	got := Detail(sv)
	want := "Card payments failing.\n• Payments down (major outage): We are x investigating & fixing.\nWhat you can do: Use your backup processor."
	if got != want {
		t.Errorf("Detail() =\n%q\nwant\n%q", got, want)
	}
}
