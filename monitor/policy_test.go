package monitor_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// The policy tests are pure: every time is explicit, in a fixed zone two hours east of UTC, so
// quiet and business hours never depend on the machine running them. 10 March 2026 is a Tuesday.
var zone = time.FixedZone("UTC+2", 2*60*60)

func local(day, hour, min int) time.Time {
	return time.Date(2026, time.March, day, hour, min, 0, 0, zone)
}

var noon = local(10, 12, 0)

// policyRun drives a Policy the way the Watcher does: Apply for each round of changes, and Tick
// whenever NextDue says so, with a snapshot that follows the changes. Every step also ticks
// once at its own time, as the watcher's timer may.
type policyRun struct {
	t      *testing.T
	p      *monitor.Policy
	st     *monitor.PolicyState
	now    time.Time
	snap   monitor.Snapshot
	sent   []monitor.Notification
	sentAt []time.Time
}

func newPolicyRun(t *testing.T, cfg monitor.AlertConfig, perService map[string]monitor.State, st *monitor.PolicyState, start time.Time) *policyRun {
	t.Helper()
	if st == nil {
		st = monitor.NewPolicyState()
	}
	return &policyRun{t: t, p: monitor.NewPolicy(cfg, perService, zone), st: st, now: start}
}

func (r *policyRun) record(ns []monitor.Notification) {
	for _, n := range ns {
		r.sent = append(r.sent, n)
		r.sentAt = append(r.sentAt, r.now)
	}
}

// advance moves the clock to `to`, ticking at every NextDue on the way.
func (r *policyRun) advance(to time.Time) {
	r.t.Helper()
	for i := 0; ; i++ {
		if i > 1_000_000 {
			r.t.Fatalf("NextDue never passes %v (stuck at %v)", to, r.now)
		}
		due := r.p.NextDue(r.st, r.now)
		if due.After(to) {
			break
		}
		if due.After(r.now) {
			r.now = due
		}
		r.record(r.p.Tick(r.st, r.snap, r.now))
	}
	r.now = to
}

// apply advances to `at` and applies one round of changes there; the snapshot follows them.
func (r *policyRun) apply(at time.Time, changes ...monitor.Change) {
	r.t.Helper()
	r.advance(at)
	for i := range changes {
		changes[i].At = at
		r.follow(changes[i])
	}
	r.record(r.p.Apply(r.st, changes, at))
}

func (r *policyRun) tick() { r.record(r.p.Tick(r.st, r.snap, r.now)) }

func (r *policyRun) service(id, name string) *monitor.ServiceStatus {
	for i := range r.snap.Services {
		if r.snap.Services[i].ID == id {
			return &r.snap.Services[i]
		}
	}
	r.snap.Services = append(r.snap.Services, monitor.ServiceStatus{ID: id, Name: name})
	return &r.snap.Services[len(r.snap.Services)-1]
}

func (r *policyRun) follow(c monitor.Change) {
	sv := r.service(c.ServiceID, c.Name)
	switch c.Kind {
	case monitor.ChangeState, monitor.ChangeBaseline:
		if c.To != sv.State {
			sv.State, sv.Since = c.To, c.At
		}
		sv.Incidents = nil
		if c.Incident != nil && c.To.IsProblem() {
			sv.Incidents = []monitor.Incident{*c.Incident}
		}
	case monitor.ChangeNewIncident:
		sv.Incidents = append(sv.Incidents, *c.Incident)
	}
}

// titles returns the titles sent in [from, to).
func (r *policyRun) titles(from, to time.Time) []string {
	var out []string
	for i, n := range r.sent {
		if !r.sentAt[i].Before(from) && r.sentAt[i].Before(to) {
			out = append(out, n.Title)
		}
	}
	return out
}

func (r *policyRun) allTitles() []string {
	var out []string
	for _, n := range r.sent {
		out = append(out, n.Title)
	}
	return out
}

// Changes for the service "Stripe" unless moved elsewhere with onService.
func policyChange(kind monitor.ChangeKind, to monitor.State) monitor.Change {
	return monitor.Change{Kind: kind, ServiceID: "stripe", Name: "Stripe", To: to}
}

func baselineAt(to monitor.State) monitor.Change { return policyChange(monitor.ChangeBaseline, to) }

func became(to monitor.State) monitor.Change { return policyChange(monitor.ChangeState, to) }

// withSources gives a change the sources of a probe-only service whose probe says state.
func withSources(c monitor.Change, state monitor.State) monitor.Change {
	verdict := map[monitor.State]string{monitor.StateOperational: "reachable", monitor.StateMajorOutage: "failing"}[state]
	c.Sources = []monitor.SourceStatus{{Kind: "probe", State: state, Verdict: verdict, CheckedAt: noon}}
	return c
}

func withIncident(c monitor.Change, id string, impact monitor.State) monitor.Change {
	c.Incident = &monitor.Incident{ID: id, Title: "Incident " + id, Impact: impact, Status: "investigating"}
	return c
}

func opened(to monitor.State, id string, impact monitor.State) monitor.Change {
	return withIncident(policyChange(monitor.ChangeNewIncident, to), id, impact)
}

func updatedIncident(to monitor.State, id string, impact monitor.State) monitor.Change {
	return withIncident(policyChange(monitor.ChangeIncidentUpdate, to), id, impact)
}

func onService(c monitor.Change, id, name string) monitor.Change {
	c.ServiceID, c.Name = id, name
	return c
}

func stripeIncident(id string) string { return monitor.IncidentKey("stripe", monitor.Incident{ID: id}) }

func snooze(id string, until time.Time) func(*policyRun) {
	return func(r *policyRun) { r.st.Snooze(id, until) }
}

func acknowledge(key string, at monitor.State) func(*policyRun) {
	return func(r *policyRun) { r.st.Acknowledge(key, at) }
}

func planMaintenance(m monitor.Maintenance) func(*policyRun) {
	return func(r *policyRun) {
		sv := r.service("stripe", "Stripe")
		sv.Maintenances = []monitor.Maintenance{m}
	}
}

func filteredOut(m monitor.Maintenance) monitor.Maintenance { m.Filtered = true; return m }

// policyStep happens at `at`: a user action, then a round of changes, then a tick. want lists
// the titles sent from `at` until the next step (or, after the last, for a minute).
type policyStep struct {
	at      time.Time
	do      func(*policyRun)
	changes []monitor.Change
	want    []string
}

func runSteps(t *testing.T, r *policyRun, steps []policyStep) {
	t.Helper()
	for _, s := range steps {
		r.advance(s.at)
		if s.do != nil {
			s.do(r)
		}
		r.apply(s.at, s.changes...)
		r.tick()
	}
	last := steps[len(steps)-1].at
	r.advance(last.Add(time.Minute))
	for i, s := range steps {
		end := last.Add(time.Minute)
		if i+1 < len(steps) {
			end = steps[i+1].at
		}
		if got := r.titles(s.at, end); !slices.Equal(got, s.want) {
			t.Errorf("step %d (%s): sent %q, want %q", i+1, s.at.Format("Mon 15:04:05"), got, s.want)
		}
	}
}

func duration(d time.Duration) monitor.Duration { return monitor.Duration(d) }

func TestPolicyRules(t *testing.T) {
	quiet := &monitor.TimeWindow{From: "22:00", To: "07:00"}
	business := &monitor.TimeWindow{Days: []string{"mon", "tue", "wed", "thu", "fri"}, From: "09:00", To: "17:00"}
	maintStart := local(12, 12, 0) // Thursday noon
	planned := monitor.Maintenance{ID: "m1", Title: "Database upgrade", StartsAt: maintStart, EndsAt: maintStart.Add(time.Hour)}
	started := planned
	started.InProgress = true
	m := func(h, min int) time.Time {
		return noon.Add(time.Duration(h)*time.Hour + time.Duration(min)*time.Minute)
	}

	tests := []struct {
		name       string
		cfg        monitor.AlertConfig
		perService map[string]monitor.State
		steps      []policyStep
	}{
		// Worse, better, recovered.
		{name: "first-ever baseline says nothing, even an outage",
			steps: []policyStep{{at: noon, changes: []monitor.Change{baselineAt(major)}}}},
		{name: "a problem seen at start-up, then its end",
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(degraded)}},
				{at: m(0, 10), changes: []monitor.Change{became(operational)}, want: []string{"Stripe is back to normal"}}}},
		{name: "each step worse notifies",
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 5), changes: []monitor.Change{became(degraded)}, want: []string{"Stripe: Degraded"}},
				{at: m(0, 10), changes: []monitor.Change{became(partial)}, want: []string{"Stripe: Partial outage"}},
				{at: m(0, 15), changes: []monitor.Change{became(major)}, want: []string{"Stripe: Major outage"}}}},
		{name: "easing is quiet, and so is worsening back to what was told",
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 5), changes: []monitor.Change{became(major)}, want: []string{"Stripe: Major outage"}},
				{at: m(0, 10), changes: []monitor.Change{became(degraded)}},
				{at: m(0, 15), changes: []monitor.Change{became(major)}},
				{at: m(0, 20), changes: []monitor.Change{became(operational)}, want: []string{"Stripe is back to normal"}}}},
		{name: "could not tell is never news",
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 5), changes: []monitor.Change{became(unknown)}},
				{at: m(0, 10), changes: []monitor.Change{became(operational)}},
				{at: m(0, 15), changes: []monitor.Change{became(degraded)}, want: []string{"Stripe: Degraded"}},
				{at: m(0, 20), changes: []monitor.Change{became(unknown)}},
				{at: m(0, 25), changes: []monitor.Change{became(degraded)}}}},

		// Incidents.
		{name: "a new incident on a service already degraded",
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 5), changes: []monitor.Change{withIncident(became(degraded), "inc1", degraded)}, want: []string{"Stripe: Degraded"}},
				{at: m(0, 10), changes: []monitor.Change{opened(degraded, "inc1", degraded)}},
				{at: m(0, 15), changes: []monitor.Change{opened(degraded, "inc2", partial)}, want: []string{"Stripe: new incident"}},
				{at: m(0, 20), changes: []monitor.Change{opened(degraded, "inc2", partial)}}}},
		{name: "a new incident on a healthy service is quiet",
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 5), changes: []monitor.Change{opened(operational, "inc1", degraded)}}}},
		{name: "a new incident below the minimum severity is quiet", cfg: monitor.AlertConfig{MinSeverity: sev(partial)},
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(degraded)}},
				{at: m(0, 5), changes: []monitor.Change{opened(degraded, "inc1", degraded)}},
				{at: m(0, 10), changes: []monitor.Change{opened(degraded, "inc2", major)}, want: []string{"Stripe: new incident"}}}},
		{name: "incident updates are off by default",
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 5), changes: []monitor.Change{withIncident(became(degraded), "inc1", degraded)}, want: []string{"Stripe: Degraded"}},
				{at: m(0, 10), changes: []monitor.Change{updatedIncident(degraded, "inc1", degraded)}}}},
		{name: "incident updates, when on", cfg: monitor.AlertConfig{IncidentUpdates: true},
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 5), changes: []monitor.Change{withIncident(became(degraded), "inc1", degraded)}, want: []string{"Stripe: Degraded"}},
				{at: m(0, 10), changes: []monitor.Change{updatedIncident(degraded, "inc1", degraded)}, want: []string{"Stripe: incident update"}}}},

		// Minimum severity.
		{name: "min severity: lesser problems and their ends are quiet", cfg: monitor.AlertConfig{MinSeverity: sev(partial)},
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 5), changes: []monitor.Change{became(degraded)}},
				{at: m(0, 10), changes: []monitor.Change{became(operational)}},
				{at: m(0, 15), changes: []monitor.Change{became(partial)}, want: []string{"Stripe: Partial outage"}},
				{at: m(0, 20), changes: []monitor.Change{became(operational)}, want: []string{"Stripe is back to normal"}}}},
		{name: "min severity: a lesser problem at start-up ends quietly", cfg: monitor.AlertConfig{MinSeverity: sev(major)},
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(partial)}},
				{at: m(0, 10), changes: []monitor.Change{became(operational)}}}},
		{name: "min severity per service overrides the global one", perService: map[string]monitor.State{"stripe": major},
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational), onService(baselineAt(operational), "adyen", "Adyen")}},
				{at: m(0, 5), changes: []monitor.Change{became(partial)}},
				{at: m(0, 10), changes: []monitor.Change{onService(became(degraded), "adyen", "Adyen")}, want: []string{"Adyen: Degraded"}},
				{at: m(0, 15), changes: []monitor.Change{became(major)}, want: []string{"Stripe: Major outage"}}}},
		{name: "min severity per service can be lower than the global one", cfg: monitor.AlertConfig{MinSeverity: sev(major)}, perService: map[string]monitor.State{"stripe": degraded},
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational), onService(baselineAt(operational), "adyen", "Adyen")}},
				{at: m(0, 5), changes: []monitor.Change{became(degraded), onService(became(partial), "adyen", "Adyen")}, want: []string{"Stripe: Degraded"}}}},

		// Maintenance as a state.
		{name: "maintenance starting and ending are off by default",
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 5), changes: []monitor.Change{became(maintenance)}},
				{at: m(1, 5), changes: []monitor.Change{became(operational)}}}},
		{name: "maintenance starting and ending, when on", cfg: monitor.AlertConfig{MaintenanceChanges: true},
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 5), changes: []monitor.Change{became(maintenance)}, want: []string{"Stripe: maintenance started"}},
				{at: m(1, 5), changes: []monitor.Change{became(operational)}, want: []string{"Stripe: maintenance finished"}}}},

		// Quiet hours and business hours.
		{name: "quiet hours hold a lesser problem until they end", cfg: monitor.AlertConfig{QuietHours: quiet},
			steps: []policyStep{
				{at: local(10, 21, 0), changes: []monitor.Change{baselineAt(operational)}},
				{at: local(10, 23, 0), changes: []monitor.Change{became(degraded)}},
				{at: local(11, 7, 0), want: []string{"Stripe: Degraded"}}}},
		{name: "quiet hours start on the minute", cfg: monitor.AlertConfig{QuietHours: quiet},
			steps: []policyStep{
				{at: local(10, 21, 0), changes: []monitor.Change{baselineAt(operational)}},
				{at: local(10, 21, 59), changes: []monitor.Change{became(degraded)}, want: []string{"Stripe: Degraded"}},
				{at: local(10, 22, 0), changes: []monitor.Change{became(operational)}},
				{at: local(11, 7, 0), want: []string{"Stripe is back to normal"}}}},
		{name: "a change a minute before the end of quiet hours waits for it", cfg: monitor.AlertConfig{QuietHours: quiet},
			steps: []policyStep{
				{at: local(10, 21, 0), changes: []monitor.Change{baselineAt(operational)}},
				{at: local(11, 6, 59), changes: []monitor.Change{became(degraded)}},
				{at: local(11, 7, 0), want: []string{"Stripe: Degraded"}}}},
		{name: "a change exactly at the end of quiet hours notifies at once", cfg: monitor.AlertConfig{QuietHours: quiet},
			steps: []policyStep{
				{at: local(10, 21, 0), changes: []monitor.Change{baselineAt(operational)}},
				{at: local(11, 7, 0), changes: []monitor.Change{became(degraded)}, want: []string{"Stripe: Degraded"}}}},
		{name: "quiet hours are in the user's time zone", cfg: monitor.AlertConfig{QuietHours: quiet},
			steps: []policyStep{
				{at: local(10, 21, 0), changes: []monitor.Change{baselineAt(operational)}},
				// 21:30 UTC is 23:30 for the user.
				{at: time.Date(2026, time.March, 10, 21, 30, 0, 0, time.UTC), changes: []monitor.Change{became(degraded)}},
				{at: local(11, 7, 0), want: []string{"Stripe: Degraded"}}}},
		{name: "a major outage notifies during quiet hours", cfg: monitor.AlertConfig{QuietHours: quiet},
			steps: []policyStep{
				{at: local(10, 21, 0), changes: []monitor.Change{baselineAt(operational)}},
				{at: local(11, 3, 0), changes: []monitor.Change{became(major)}, want: []string{"Stripe: Major outage"}},
				{at: local(11, 7, 0)}}},
		{name: "what still notifies during quiet hours is configurable", cfg: monitor.AlertConfig{QuietHours: quiet, QuietMinSeverity: sev(degraded)},
			steps: []policyStep{
				{at: local(10, 21, 0), changes: []monitor.Change{baselineAt(operational)}},
				{at: local(11, 3, 0), changes: []monitor.Change{became(degraded)}, want: []string{"Stripe: Degraded"}},
				{at: local(11, 7, 0)}}},
		{name: "what was held is summarised once", cfg: monitor.AlertConfig{QuietHours: quiet},
			steps: []policyStep{
				{at: local(10, 21, 0), changes: []monitor.Change{baselineAt(operational), onService(baselineAt(operational), "adyen", "Adyen")}},
				{at: local(10, 23, 0), changes: []monitor.Change{became(degraded)}},
				{at: local(11, 1, 0), changes: []monitor.Change{onService(became(partial), "adyen", "Adyen")}},
				{at: local(11, 2, 0), changes: []monitor.Change{became(operational)}},
				{at: local(11, 7, 0), want: []string{"Paywatch: 3 notifications held during quiet hours"}},
				{at: local(11, 9, 0)}}},
		{name: "outside business hours is quiet", cfg: monitor.AlertConfig{BusinessHours: business},
			steps: []policyStep{
				{at: local(10, 12, 0), changes: []monitor.Change{baselineAt(operational)}},
				{at: local(10, 16, 59), changes: []monitor.Change{became(degraded)}, want: []string{"Stripe: Degraded"}},
				{at: local(10, 17, 0), changes: []monitor.Change{became(partial)}},
				{at: local(11, 9, 0), want: []string{"Stripe: Partial outage"}}}},
		{name: "the weekend is outside business hours", cfg: monitor.AlertConfig{BusinessHours: business},
			steps: []policyStep{
				{at: local(13, 12, 0), changes: []monitor.Change{baselineAt(operational)}},
				{at: local(14, 10, 0), changes: []monitor.Change{became(degraded)}}, // Saturday
				{at: local(16, 8, 59)},
				{at: local(16, 9, 0), want: []string{"Stripe: Degraded"}}}}, // Monday

		// Snooze.
		{name: "a snooze ending during the outage tells, once",
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 1), do: snooze("stripe", m(1, 1))},
				{at: m(0, 10), changes: []monitor.Change{became(degraded)}},
				{at: m(0, 20), changes: []monitor.Change{became(partial)}},
				{at: m(1, 1), want: []string{"Stripe: Partial outage"}},
				{at: m(1, 30), changes: []monitor.Change{became(operational)}, want: []string{"Stripe is back to normal"}}}},
		{name: "a snooze ending after the outage says nothing",
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 1), do: snooze("stripe", m(4, 1))},
				{at: m(0, 10), changes: []monitor.Change{became(major)}},
				{at: m(2, 0), changes: []monitor.Change{became(operational)}},
				{at: m(4, 1)},
				{at: m(5, 0), changes: []monitor.Change{became(degraded)}, want: []string{"Stripe: Degraded"}}}},
		{name: "a recovery during a snooze is quiet",
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 5), changes: []monitor.Change{became(major)}, want: []string{"Stripe: Major outage"}},
				{at: m(0, 10), do: snooze("stripe", m(1, 10))},
				{at: m(0, 30), changes: []monitor.Change{became(operational)}},
				{at: m(1, 10)},
				{at: m(1, 30), changes: []monitor.Change{became(degraded)}, want: []string{"Stripe: Degraded"}}}},
		{name: "snoozing one service leaves the others",
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational), onService(baselineAt(operational), "adyen", "Adyen")}},
				{at: m(0, 1), do: snooze("stripe", m(4, 1))},
				{at: m(0, 10), changes: []monitor.Change{became(major), onService(became(major), "adyen", "Adyen")}, want: []string{"Adyen: Major outage"}}}},
		{name: "snoozing all, for 4 hours",
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational), onService(baselineAt(operational), "adyen", "Adyen")}},
				{at: m(0, 1), do: snooze("", m(4, 1))},
				{at: m(0, 10), changes: []monitor.Change{became(degraded), onService(became(major), "adyen", "Adyen")}},
				{at: m(1, 0), changes: []monitor.Change{opened(degraded, "inc1", degraded)}},
				{at: m(4, 1), want: []string{"Stripe: Degraded", "Adyen: Major outage"}}}},
		{name: "a service snoozed on its own stays snoozed when the snooze of all ends",
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational), onService(baselineAt(operational), "adyen", "Adyen")}},
				{at: m(0, 1), do: func(r *policyRun) { r.st.Snooze("", m(1, 1)); r.st.Snooze("stripe", m(4, 1)) }},
				{at: m(0, 10), changes: []monitor.Change{became(degraded), onService(became(major), "adyen", "Adyen")}},
				{at: m(1, 1), want: []string{"Adyen: Major outage"}},
				{at: m(4, 1), want: []string{"Stripe: Degraded"}}}},
		{name: "snoozing until tomorrow morning",
			steps: []policyStep{
				{at: local(10, 21, 0), changes: []monitor.Change{baselineAt(operational)}},
				{at: local(10, 23, 0), do: snooze("stripe", monitor.UntilTomorrowMorning(local(10, 23, 0)))},
				{at: local(10, 23, 30), changes: []monitor.Change{became(major)}},
				{at: local(11, 7, 59)},
				{at: local(11, 8, 0), want: []string{"Stripe: Major outage"}}}},
		{name: "resuming during an outage tells about it",
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 1), do: snooze("stripe", m(4, 1))},
				{at: m(0, 10), changes: []monitor.Change{became(partial)}},
				{at: m(0, 20), do: func(r *policyRun) { r.st.Unsnooze("stripe") }, want: []string{"Stripe: Partial outage"}},
				{at: m(1, 0), changes: []monitor.Change{became(operational)}, want: []string{"Stripe is back to normal"}}}},

		// Acknowledge.
		{name: "an acknowledged incident is quiet until it gets worse",
			cfg: monitor.AlertConfig{IncidentUpdates: true, Reminders: duration(30 * time.Minute)},
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 5), changes: []monitor.Change{withIncident(became(partial), "inc1", partial)}, want: []string{"Stripe: Partial outage"}},
				{at: m(0, 6), do: acknowledge(stripeIncident("inc1"), partial)},
				{at: m(0, 10), changes: []monitor.Change{updatedIncident(partial, "inc1", partial)}},
				{at: m(1, 10), changes: []monitor.Change{withIncident(became(degraded), "inc1", partial)}},
				{at: m(1, 20), changes: []monitor.Change{withIncident(became(partial), "inc1", partial)}},
				{at: m(1, 30), changes: []monitor.Change{withIncident(became(major), "inc1", major)}, want: []string{"Stripe: Major outage"}},
				{at: m(2, 0), want: []string{"Stripe: still major outage"}}}},
		{name: "a new incident after an acknowledgement notifies",
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 5), changes: []monitor.Change{withIncident(became(partial), "inc1", partial)}, want: []string{"Stripe: Partial outage"}},
				{at: m(0, 6), do: acknowledge(stripeIncident("inc1"), partial)},
				{at: m(0, 10), changes: []monitor.Change{opened(partial, "inc2", degraded)}, want: []string{"Stripe: new incident"}}}},
		{name: "an acknowledged incident stays quiet when a snooze ends",
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 1), do: snooze("stripe", m(1, 1))},
				{at: m(0, 5), changes: []monitor.Change{withIncident(became(partial), "inc1", partial)}},
				{at: m(0, 6), do: acknowledge(stripeIncident("inc1"), partial)},
				{at: m(1, 1)},
				{at: m(1, 30), changes: []monitor.Change{withIncident(became(major), "inc1", major)}, want: []string{"Stripe: Major outage"}}}},
		{name: "the end of an acknowledged problem is still news",
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 5), changes: []monitor.Change{withIncident(became(partial), "inc1", partial)}, want: []string{"Stripe: Partial outage"}},
				{at: m(0, 6), do: acknowledge(stripeIncident("inc1"), partial)},
				{at: m(0, 30), changes: []monitor.Change{became(operational)}, want: []string{"Stripe is back to normal"}}}},

		// Maintenance ahead.
		{name: "maintenance ahead: 24 hours and 1 hour before, each once",
			steps: []policyStep{
				{at: noon, do: planMaintenance(planned), changes: []monitor.Change{baselineAt(operational)}},
				{at: local(11, 11, 59)},
				{at: local(11, 12, 0), want: []string{"Stripe: maintenance in 24 hours"}},
				{at: local(12, 10, 59)},
				{at: local(12, 11, 0), want: []string{"Stripe: maintenance in 1 hour"}},
				{at: local(12, 12, 0), do: planMaintenance(started), changes: []monitor.Change{became(maintenance)}},
				{at: local(12, 13, 0), do: planMaintenance(monitor.Maintenance{}), changes: []monitor.Change{became(operational)}}}},
		{name: "maintenance first seen within the hour: one notification",
			steps: []policyStep{
				{at: local(12, 11, 0), changes: []monitor.Change{baselineAt(operational)}},
				{at: local(12, 11, 30), do: planMaintenance(planned), want: []string{"Stripe: maintenance in 30 minutes"}},
				{at: local(12, 11, 59)}}},
		{name: "maintenance ahead at other marks", cfg: monitor.AlertConfig{MaintenanceAhead: []monitor.Duration{duration(2 * time.Hour)}},
			steps: []policyStep{
				{at: noon, do: planMaintenance(planned), changes: []monitor.Change{baselineAt(operational)}},
				{at: local(12, 10, 0), want: []string{"Stripe: maintenance in 2 hours"}},
				{at: local(12, 11, 59)}}},
		{name: "maintenance ahead, switched off", cfg: monitor.AlertConfig{Maintenance: noYes(false)},
			steps: []policyStep{
				{at: noon, do: planMaintenance(planned), changes: []monitor.Change{baselineAt(operational)}},
				{at: local(12, 11, 59)}}},
		{name: "maintenance ahead, not for a service that asks only for outages", perService: map[string]monitor.State{"stripe": partial},
			steps: []policyStep{
				{at: noon, do: planMaintenance(planned), changes: []monitor.Change{baselineAt(operational)}},
				{at: local(12, 11, 59)}}},
		{name: "maintenance ahead, not on components the user does not watch",
			steps: []policyStep{
				{at: noon, do: planMaintenance(filteredOut(planned)), changes: []monitor.Change{baselineAt(operational)}},
				{at: local(12, 11, 59)}}},
		{name: "maintenance in progress is not ahead",
			steps: []policyStep{
				{at: local(12, 11, 0), do: planMaintenance(started), changes: []monitor.Change{baselineAt(maintenance)}},
				{at: local(12, 11, 59)}}},

		// Reminders.
		{name: "reminders are off by default",
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 5), changes: []monitor.Change{became(major)}, want: []string{"Stripe: Major outage"}},
				{at: m(3, 5)}}},
		{name: "reminders every 30 minutes while it lasts", cfg: monitor.AlertConfig{Reminders: duration(30 * time.Minute)},
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 5), changes: []monitor.Change{became(major)}, want: []string{"Stripe: Major outage"}},
				{at: m(0, 35), want: []string{"Stripe: still major outage"}},
				{at: m(1, 5), want: []string{"Stripe: still major outage"}},
				{at: m(1, 20), changes: []monitor.Change{became(operational)}, want: []string{"Stripe is back to normal"}},
				{at: m(3, 0)}}},
		{name: "reminders never more often than every 30 minutes", cfg: monitor.AlertConfig{Reminders: duration(10 * time.Minute)},
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 5), changes: []monitor.Change{became(degraded)}, want: []string{"Stripe: Degraded"}},
				{at: m(0, 34)},
				{at: m(0, 35), want: []string{"Stripe: still degraded"}},
				{at: m(1, 4)},
				{at: m(1, 5), want: []string{"Stripe: still degraded"}}}},
		{name: "no reminders once it has eased, or while snoozed", cfg: monitor.AlertConfig{Reminders: duration(30 * time.Minute)},
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational), onService(baselineAt(operational), "adyen", "Adyen")}},
				{at: m(0, 5), changes: []monitor.Change{became(major), onService(became(major), "adyen", "Adyen")}, want: []string{"Stripe: Major outage", "Adyen: Major outage"}},
				{at: m(0, 10), do: snooze("adyen", m(2, 0)), changes: []monitor.Change{became(degraded)}},
				{at: m(1, 58)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newPolicyRun(t, tt.cfg, tt.perService, nil, tt.steps[0].at)
			runSteps(t, r, tt.steps)
		})
	}
}

func TestPolicyTexts(t *testing.T) {
	quiet := &monitor.TimeWindow{From: "22:00", To: "07:00"}
	planned := monitor.Maintenance{ID: "m1", Title: "Database <b>upgrade</b>", StartsAt: local(12, 12, 0), EndsAt: local(12, 13, 0)}
	wantWhen := planned.StartsAt.Local().Format("Mon 2 Jan 15:04") + "–" + planned.EndsAt.Local().Format("15:04")
	recovered := became(operational)
	recovered.Lasted = 95 * time.Minute

	tests := []struct {
		name  string
		cfg   monitor.AlertConfig
		steps []policyStep
		want  monitor.Notification // the last notification sent
	}{
		{name: "a problem with its incident",
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: noon.Add(time.Minute), changes: []monitor.Change{withIncident(became(partial), "inc1", partial)}}},
			want: monitor.Notification{ServiceID: "stripe", Title: "Stripe: Partial outage", Body: "Incident inc1", State: partial, Severity: partial}},
		{name: "a recovery says how long it lasted",
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: noon.Add(time.Minute), changes: []monitor.Change{became(major)}},
				{at: noon.Add(96 * time.Minute), changes: []monitor.Change{recovered}}},
			want: monitor.Notification{ServiceID: "stripe", Title: "Stripe is back to normal", Body: "Working normally again. The problem lasted 1 hour 35 minutes.", State: operational, Severity: major}},
		{name: "a recovery says which source says what",
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: noon.Add(time.Minute), changes: []monitor.Change{withSources(became(major), major)}},
				{at: noon.Add(11 * time.Minute), changes: []monitor.Change{withSources(recovered, operational)}}},
			want: monitor.Notification{ServiceID: "stripe", Title: "Stripe is back to normal",
				Body:  "Working normally again. The problem lasted 1 hour 35 minutes.\nNo official status page · From your network: reachable",
				State: operational, Severity: major}},
		{name: "a snooze ending during an outage says so",
			steps: []policyStep{
				{at: noon, do: snooze("stripe", noon.Add(time.Hour)), changes: []monitor.Change{baselineAt(operational)}},
				{at: noon.Add(time.Minute), changes: []monitor.Change{withIncident(became(major), "inc1", major)}},
				{at: noon.Add(time.Hour)}},
			want: monitor.Notification{ServiceID: "stripe", Title: "Stripe: Major outage", Body: "Still going on now that the snooze has ended.\nIncident inc1", State: major, Severity: major}},
		{name: "what quiet hours held, in one summary", cfg: monitor.AlertConfig{QuietHours: quiet},
			steps: []policyStep{
				{at: local(10, 21, 0), changes: []monitor.Change{baselineAt(operational), onService(baselineAt(operational), "adyen", "Adyen")}},
				{at: local(10, 23, 0), changes: []monitor.Change{became(degraded)}},
				{at: local(11, 1, 0), changes: []monitor.Change{onService(became(partial), "adyen", "Adyen")}},
				{at: local(11, 2, 0), changes: []monitor.Change{became(operational)}},
				{at: local(11, 7, 0)}},
			want: monitor.Notification{Title: "Paywatch: 3 notifications held during quiet hours",
				Body: "Stripe: Degraded.\nAdyen: Partial outage.\nStripe is back to normal.", State: partial, Severity: partial}},
		{name: "maintenance ahead says what and when",
			steps: []policyStep{
				{at: local(12, 11, 0), changes: []monitor.Change{baselineAt(operational)}},
				{at: local(12, 11, 0), do: planMaintenance(planned)}},
			want: monitor.Notification{ServiceID: "stripe", Title: "Stripe: maintenance in 1 hour", Body: "Database upgrade (" + wantWhen + ")", State: maintenance, Severity: maintenance}},
		{name: "a reminder says how long so far", cfg: monitor.AlertConfig{Reminders: duration(time.Hour)},
			steps: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: noon.Add(time.Minute), changes: []monitor.Change{became(degraded)}},
				{at: noon.Add(61 * time.Minute)}},
			want: monitor.Notification{ServiceID: "stripe", Title: "Stripe: still degraded", Body: "It has lasted 1 hour so far.", State: degraded, Severity: degraded}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newPolicyRun(t, tt.cfg, nil, nil, tt.steps[0].at)
			for _, s := range tt.steps {
				r.advance(s.at)
				if s.do != nil {
					s.do(r)
				}
				r.apply(s.at, s.changes...)
				r.tick()
			}
			r.advance(r.now.Add(time.Minute))
			if len(r.sent) == 0 {
				t.Fatal("nothing was sent")
			}
			got := r.sent[len(r.sent)-1]
			got.At = time.Time{}
			got.Summary, got.Parts = "", nil // what a summary is made of: see TestSinks
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("last notification =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

// TestPolicyStorms: three or more notifications within the storm window of each other become one
// summary. A notification goes out once StormWindow has passed without another, so a burst is
// always whole before anything of it is sent; a burst that never pauses is cut after a minute.
func TestPolicyStorms(t *testing.T) {
	names := []string{"Adyen", "Braintree", "Checkout", "Dwolla", "Elavon", "Fiserv", "Global", "Helcim", "Ingenico"}
	type round struct {
		at time.Duration // after the start
		n  int           // services that become degraded
	}
	type sent struct {
		title string
		at    time.Duration
	}
	s := time.Second
	ms := time.Millisecond
	tests := []struct {
		name   string
		rounds []round
		want   []sent
	}{
		{name: "one change goes out when the window has passed", rounds: []round{{0, 1}},
			want: []sent{{"Adyen: Degraded", 10 * s}}},
		{name: "two in one round go one by one", rounds: []round{{0, 2}},
			want: []sent{{"Adyen: Degraded", 10 * s}, {"Braintree: Degraded", 10 * s}}},
		{name: "three in one round become one summary", rounds: []round{{0, 3}},
			want: []sent{{"Paywatch: 3 changes at once", 10 * s}}},
		{name: "three spread over four seconds become one summary", rounds: []round{{0, 1}, {2 * s, 1}, {4 * s, 1}},
			want: []sent{{"Paywatch: 3 changes at once", 14 * s}}},
		{name: "three spread over just under the window", rounds: []round{{0, 1}, {5 * s, 1}, {9999 * ms, 1}},
			want: []sent{{"Paywatch: 3 changes at once", 19999 * ms}}},
		{name: "two then one a window later are not a storm", rounds: []round{{0, 2}, {10 * s, 1}},
			want: []sent{{"Adyen: Degraded", 10 * s}, {"Braintree: Degraded", 10 * s}, {"Checkout: Degraded", 20 * s}}},
		{name: "the last three of four fold with the first", rounds: []round{{0, 1}, {9 * s, 1}, {12 * s, 1}, {18 * s, 1}},
			// 9, 12 and 18 s are within 10 s; each change is within the window of the one before.
			want: []sent{{"Paywatch: 4 changes at once", 28 * s}}},
		{name: "a trickle that never pauses is cut after a minute", rounds: []round{{0, 1}, {8 * s, 1}, {16 * s, 1}, {24 * s, 1}, {32 * s, 1}, {40 * s, 1}, {48 * s, 1}, {56 * s, 1}, {64 * s, 1}},
			want: []sent{{"Paywatch: 8 changes at once", 60 * s}, {"Ingenico: Degraded", 74 * s}}},
		{name: "changes far apart are never a storm", rounds: []round{{0, 1}, {20 * s, 1}, {40 * s, 1}},
			want: []sent{{"Adyen: Degraded", 10 * s}, {"Braintree: Degraded", 30 * s}, {"Checkout: Degraded", 50 * s}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := noon
			r := newPolicyRun(t, monitor.AlertConfig{}, nil, nil, start)
			var base []monitor.Change
			for _, n := range names {
				base = append(base, onService(baselineAt(operational), strings.ToLower(n), n))
			}
			r.apply(start, base...)
			next := 0
			for _, rd := range tt.rounds {
				var cs []monitor.Change
				for range rd.n {
					cs = append(cs, onService(became(degraded), strings.ToLower(names[next]), names[next]))
					next++
				}
				r.apply(start.Add(rd.at), cs...)
			}
			r.advance(start.Add(2 * time.Minute))
			var got []sent
			for i, n := range r.sent {
				got = append(got, sent{n.Title, r.sentAt[i].Sub(start)})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("sent %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPolicyStormSummaryText(t *testing.T) {
	r := newPolicyRun(t, monitor.AlertConfig{}, nil, nil, noon)
	var base, bad []monitor.Change
	for i, n := range []string{"Adyen", "Braintree", "Checkout", "Dwolla", "Elavon", "Fiserv", "Global", "Helcim"} {
		id := strings.ToLower(n)
		base = append(base, onService(baselineAt(operational), id, n))
		to := degraded
		if i == 2 {
			to = major
		}
		bad = append(bad, onService(became(to), id, n))
	}
	r.apply(noon, base...)
	r.apply(noon.Add(time.Minute), bad...)
	r.advance(noon.Add(2 * time.Minute))
	if len(r.sent) != 1 {
		t.Fatalf("sent %q, want one summary", r.allTitles())
	}
	want := monitor.Notification{Title: "Paywatch: 8 changes at once",
		Body:  "Adyen: Degraded.\nBraintree: Degraded.\nCheckout: Major outage.\nDwolla: Degraded.\nElavon: Degraded.\n…and 3 more.",
		State: major, Severity: major}
	got := r.sent[0]
	if at := noon.Add(time.Minute + monitor.StormWindow); !got.At.Equal(at) {
		t.Errorf("summary at %v, want %v", got.At, at)
	}
	if got.Summary != monitor.SummaryStorm || len(got.Parts) != 8 {
		t.Errorf("summary kind %q with %d parts, want a storm of 8 (each sink sums up the parts it wants)", got.Summary, len(got.Parts))
	}
	got.At, got.Summary, got.Parts = time.Time{}, "", nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("summary =\n%+v\nwant\n%+v", got, want)
	}
}

func TestPolicyNextDue(t *testing.T) {
	s := time.Second
	tests := []struct {
		name string
		prep func(p *monitor.Policy, st *monitor.PolicyState)
		want time.Duration // after noon
	}{
		{name: "nothing waiting: within a minute", prep: func(*monitor.Policy, *monitor.PolicyState) {}, want: time.Minute},
		{name: "a notification waiting for company: the storm window",
			prep: func(p *monitor.Policy, st *monitor.PolicyState) {
				p.Apply(st, []monitor.Change{baselineAt(operational)}, noon.Add(-time.Hour))
				p.Apply(st, []monitor.Change{became(major)}, noon)
			},
			want: monitor.StormWindow},
		{name: "the window counts from the latest change",
			prep: func(p *monitor.Policy, st *monitor.PolicyState) {
				p.Apply(st, []monitor.Change{baselineAt(operational), onService(baselineAt(operational), "adyen", "Adyen")}, noon.Add(-time.Hour))
				p.Apply(st, []monitor.Change{became(major)}, noon.Add(-s))
				p.Apply(st, []monitor.Change{onService(became(major), "adyen", "Adyen")}, noon)
			},
			want: monitor.StormWindow},
		{name: "a burst that never pauses: a minute after its first change",
			prep: func(p *monitor.Policy, st *monitor.PolicyState) {
				ids := strings.Split("abcdefghijkl", "")
				var base []monitor.Change
				for _, id := range ids {
					base = append(base, onService(baselineAt(operational), id, id))
				}
				p.Apply(st, base, noon.Add(-time.Hour))
				for i, id := range ids { // one every 5 s, from noon - 55 s to noon
					p.Apply(st, []monitor.Change{onService(became(major), id, id)}, noon.Add(time.Duration(i*5-55)*s))
				}
			},
			want: 5 * s},
		{name: "a snooze ending sooner than a minute", prep: func(_ *monitor.Policy, st *monitor.PolicyState) { st.Snooze("stripe", noon.Add(20*s)) }, want: 20 * s},
		{name: "a snooze ending later", prep: func(_ *monitor.Policy, st *monitor.PolicyState) { st.Snooze("", noon.Add(2*time.Minute)) }, want: time.Minute},
		{name: "a snooze that has ended", prep: func(_ *monitor.Policy, st *monitor.PolicyState) { st.Snooze("stripe", noon.Add(-s)) }, want: time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := monitor.NewPolicy(monitor.AlertConfig{}, nil, zone)
			st := monitor.NewPolicyState()
			tt.prep(p, st)
			if got := p.NextDue(st, noon); !got.Equal(noon.Add(tt.want)) {
				t.Errorf("NextDue = noon + %v, want noon + %v", got.Sub(noon), tt.want)
			}
		})
	}
}

// TestPolicyRestart: what was notified, snoozed and acknowledged is kept on disk, so a restart
// neither repeats nor loses anything.
func TestPolicyRestart(t *testing.T) {
	quiet := &monitor.TimeWindow{From: "22:00", To: "07:00"}
	planned := monitor.Maintenance{ID: "m1", Title: "Database upgrade", StartsAt: local(12, 12, 0), EndsAt: local(12, 13, 0)}
	m := func(h, min int) time.Time {
		return noon.Add(time.Duration(h)*time.Hour + time.Duration(min)*time.Minute)
	}
	tests := []struct {
		name   string
		cfg    monitor.AlertConfig
		before []policyStep // with the first process; nil means it never ran
		crash  bool         // the first process stops right after its last step, before its burst ends
		after  []policyStep // with a new Policy and the state read back from disk
	}{
		{name: "first-ever baseline says nothing",
			after: []policyStep{{at: noon, changes: []monitor.Change{baselineAt(major)}}}},
		{name: "restart in the middle of an incident",
			before: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 5), changes: []monitor.Change{withIncident(became(major), "inc1", major)}, want: []string{"Stripe: Major outage"}}},
			after: []policyStep{
				{at: m(1, 0), changes: []monitor.Change{withIncident(baselineAt(major), "inc1", major)}},
				{at: m(1, 1), changes: []monitor.Change{opened(major, "inc1", major)}},
				{at: m(2, 0), changes: []monitor.Change{became(operational)}, want: []string{"Stripe is back to normal"}}}},
		{name: "worse while Paywatch was not running",
			before: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 5), changes: []monitor.Change{became(degraded)}, want: []string{"Stripe: Degraded"}}},
			after: []policyStep{
				{at: m(1, 0), changes: []monitor.Change{baselineAt(major)}, want: []string{"Stripe: Major outage"}},
				{at: m(2, 0), changes: []monitor.Change{became(operational)}, want: []string{"Stripe is back to normal"}}}},
		{name: "recovered while Paywatch was not running",
			before: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 5), changes: []monitor.Change{became(major)}, want: []string{"Stripe: Major outage"}}},
			after: []policyStep{{at: m(1, 0), changes: []monitor.Change{baselineAt(operational)}, want: []string{"Stripe is back to normal"}}}},
		{name: "eased while Paywatch was not running",
			before: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 5), changes: []monitor.Change{became(major)}, want: []string{"Stripe: Major outage"}}},
			after: []policyStep{
				{at: m(1, 0), changes: []monitor.Change{baselineAt(degraded)}},
				{at: m(1, 5), changes: []monitor.Change{became(major)}},
				{at: m(2, 0), changes: []monitor.Change{became(operational)}, want: []string{"Stripe is back to normal"}}}},
		{name: "a crash before its burst ends loses nothing and repeats nothing", crash: true,
			before: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 5), changes: []monitor.Change{became(major)}}},
			after: []policyStep{
				{at: m(0, 6), changes: []monitor.Change{baselineAt(major)}, want: []string{"Stripe: Major outage"}},
				{at: m(1, 0)}}},
		{name: "a snooze survives a restart",
			before: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 5), do: snooze("stripe", m(4, 0))}},
			after: []policyStep{
				{at: m(1, 0), changes: []monitor.Change{baselineAt(major)}},
				{at: m(4, 0), want: []string{"Stripe: Major outage"}}}},
		{name: "an acknowledgement survives a restart", cfg: monitor.AlertConfig{IncidentUpdates: true},
			before: []policyStep{
				{at: noon, changes: []monitor.Change{baselineAt(operational)}},
				{at: m(0, 5), changes: []monitor.Change{withIncident(became(partial), "inc1", partial)}, want: []string{"Stripe: Partial outage"}},
				{at: m(0, 6), do: acknowledge(stripeIncident("inc1"), partial)}},
			after: []policyStep{
				{at: m(1, 0), changes: []monitor.Change{withIncident(baselineAt(partial), "inc1", partial)}},
				{at: m(1, 5), changes: []monitor.Change{updatedIncident(partial, "inc1", partial)}},
				{at: m(1, 10), changes: []monitor.Change{withIncident(became(major), "inc1", major)}, want: []string{"Stripe: Major outage"}}}},
		{name: "maintenance marks survive a restart",
			before: []policyStep{
				{at: local(11, 11, 59), do: planMaintenance(planned), changes: []monitor.Change{baselineAt(operational)}},
				{at: local(11, 12, 0), want: []string{"Stripe: maintenance in 24 hours"}}},
			after: []policyStep{
				{at: local(11, 13, 0), do: planMaintenance(planned), changes: []monitor.Change{baselineAt(operational)}},
				{at: local(12, 11, 0), want: []string{"Stripe: maintenance in 1 hour"}}}},
		{name: "what quiet hours held survives a restart", cfg: monitor.AlertConfig{QuietHours: quiet},
			before: []policyStep{
				{at: local(10, 21, 0), changes: []monitor.Change{baselineAt(operational)}},
				{at: local(10, 23, 0), changes: []monitor.Change{became(degraded)}}},
			after: []policyStep{
				{at: local(11, 2, 0), changes: []monitor.Change{baselineAt(degraded)}},
				{at: local(11, 7, 0), want: []string{"Stripe: Degraded"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "alerts", "state.json")
			if tt.before != nil {
				r := newPolicyRun(t, tt.cfg, nil, nil, tt.before[0].at)
				if tt.crash {
					for _, s := range tt.before {
						r.advance(s.at)
						r.apply(s.at, s.changes...)
					}
					if len(r.sent) != 0 {
						t.Fatalf("sent %q before the crash, want nothing yet", r.allTitles())
					}
				} else {
					runSteps(t, r, tt.before)
				}
				if err := r.st.Save(path); err != nil {
					t.Fatalf("Save: %v", err)
				}
			}
			st, err := monitor.LoadPolicyState(path)
			if err != nil {
				t.Fatalf("LoadPolicyState: %v", err)
			}
			r := newPolicyRun(t, tt.cfg, nil, st, tt.after[0].at)
			runSteps(t, r, tt.after)
		})
	}
}

func TestPolicyStateFile(t *testing.T) {
	full := func() *monitor.PolicyState {
		st := monitor.NewPolicyState()
		p := monitor.NewPolicy(monitor.AlertConfig{QuietHours: &monitor.TimeWindow{From: "22:00", To: "07:00"}}, nil, zone)
		p.Apply(st, []monitor.Change{baselineAt(operational), onService(baselineAt(operational), "adyen", "Adyen")}, local(10, 21, 0))
		// A major outage a few seconds before 23:00 is still waiting for its burst to end when
		// Adyen's degradation is held back by quiet hours.
		p.Apply(st, []monitor.Change{withIncident(became(major), "inc1", major)}, local(10, 23, 0).Add(-5*time.Second))
		p.Apply(st, []monitor.Change{onService(became(degraded), "adyen", "Adyen")}, local(10, 23, 0))
		st.Snooze("", local(11, 8, 0))
		st.Snooze("adyen", local(11, 9, 0))
		st.Acknowledge(stripeIncident("inc1"), major)
		return st
	}
	encode := func(t *testing.T, st *monitor.PolicyState) []byte {
		t.Helper()
		b, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	t.Run("round trip", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "state.json")
		st := full()
		if err := st.Save(path); err != nil {
			t.Fatalf("Save: %v", err)
		}
		got, err := monitor.LoadPolicyState(path)
		if err != nil {
			t.Fatalf("LoadPolicyState: %v", err)
		}
		if a, b := encode(t, got), encode(t, st); !bytes.Equal(a, b) {
			t.Errorf("read back\n%s\nwant\n%s", a, b)
		}
		if len(got.Held) != 1 || len(got.Pending) != 1 {
			t.Errorf("read back %d held and %d pending, want 1 and 1", len(got.Held), len(got.Pending))
		}
		now := local(11, 7, 30)
		if u := got.SnoozedUntil("adyen", now); !u.Equal(local(11, 9, 0)) {
			t.Errorf("SnoozedUntil(adyen) = %v, want 09:00", u)
		}
		v := got.View(now)
		if !v.SnoozedAll.Equal(local(11, 8, 0)) || !v.Snoozed["adyen"].Equal(local(11, 9, 0)) || !v.Acked[stripeIncident("inc1")] {
			t.Errorf("View = %+v, want all snoozed until 08:00, adyen until 09:00, inc1 acknowledged", v)
		}
	})

	t.Run("a missing file is an empty state", func(t *testing.T) {
		st, err := monitor.LoadPolicyState(filepath.Join(t.TempDir(), "none.json"))
		if err != nil {
			t.Fatalf("LoadPolicyState: %v", err)
		}
		if a, b := encode(t, st), encode(t, monitor.NewPolicyState()); !bytes.Equal(a, b) {
			t.Errorf("got %s, want %s", a, b)
		}
	})

	t.Run("save replaces the file whole", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "state.json")
		old := monitor.NewPolicyState()
		if err := old.Save(path); err != nil {
			t.Fatalf("Save: %v", err)
		}
		oldBytes, _ := os.ReadFile(path)
		// A second name for the old file: a writer that rewrote the file in place would change
		// it too, while one that renames a new file over it leaves it alone.
		link := filepath.Join(t.TempDir(), "old.json")
		if err := os.Link(path, link); err != nil {
			t.Skipf("hard links not supported here: %v", err)
		}
		if err := full().Save(path); err != nil {
			t.Fatalf("Save: %v", err)
		}
		if b, _ := os.ReadFile(link); !bytes.Equal(b, oldBytes) {
			t.Errorf("the old file was rewritten in place:\n%s", b)
		}
		if b, _ := os.ReadFile(path); bytes.Equal(b, oldBytes) {
			t.Error("the new state was not written")
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Errorf("folder holds %q, want only state.json (no temporary files left)", names)
		}
	})

	t.Run("save creates the folder", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "a", "b", "state.json")
		if err := full().Save(path); err != nil {
			t.Fatalf("Save: %v", err)
		}
		if _, err := monitor.LoadPolicyState(path); err != nil {
			t.Errorf("LoadPolicyState: %v", err)
		}
	})

	for _, bad := range []struct{ name, content string }{
		{"not JSON", "{not json"},
		{"cut short", `{"version":1,"notified":{"stripe":"major_out`},
		{"an unknown state", `{"version":1,"notified":{"stripe":"sideways"}}`},
	} {
		t.Run("a corrupt file is set aside: "+bad.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json")
			if err := os.WriteFile(path, []byte(bad.content), 0o600); err != nil {
				t.Fatal(err)
			}
			st, err := monitor.LoadPolicyState(path)
			if err == nil || !strings.Contains(err.Error(), "set aside") {
				t.Errorf("error = %v, want one saying the file was set aside", err)
			}
			if st == nil {
				t.Fatal("state = nil, want an empty state")
			}
			if a, b := encode(t, st), encode(t, monitor.NewPolicyState()); !bytes.Equal(a, b) {
				t.Errorf("state = %s, want empty %s", a, b)
			}
			if b, err := os.ReadFile(path + ".bad"); err != nil || string(b) != bad.content {
				t.Errorf("%s.bad = %q, %v; want the corrupt content", path, b, err)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("the corrupt file is still in place (%v)", err)
			}
			// The empty state works and saves.
			p := monitor.NewPolicy(monitor.AlertConfig{}, nil, zone)
			p.Apply(st, []monitor.Change{baselineAt(operational)}, noon)
			if err := st.Save(path); err != nil {
				t.Errorf("Save after setting aside: %v", err)
			}
		})
	}
}

func TestUntilTomorrowMorning(t *testing.T) {
	tests := []struct {
		now, want time.Time
	}{
		{local(10, 21, 0), local(11, 8, 0)},
		{local(10, 7, 0), local(11, 8, 0)},
		{local(10, 8, 0), local(11, 8, 0)},
		{time.Date(2026, time.March, 31, 23, 59, 0, 0, zone), time.Date(2026, time.April, 1, 8, 0, 0, 0, zone)},
		{time.Date(2026, time.December, 31, 18, 0, 0, 0, zone), time.Date(2027, time.January, 1, 8, 0, 0, 0, zone)},
	}
	for _, tt := range tests {
		t.Run(tt.now.Format("Jan 2 15:04"), func(t *testing.T) {
			got := monitor.UntilTomorrowMorning(tt.now)
			if !got.Equal(tt.want) || got.Location() != zone {
				t.Errorf("UntilTomorrowMorning(%v) = %v, want %v", tt.now, got, tt.want)
			}
		})
	}
}

func TestTimeWindowContains(t *testing.T) {
	night := monitor.TimeWindow{From: "22:00", To: "07:00"}
	fridayNight := monitor.TimeWindow{Days: []string{"fri"}, From: "22:00", To: "07:00"}
	office := monitor.TimeWindow{Days: []string{"Mon", "tue", " WED ", "thursday", "fri"}, From: "09:00", To: "17:30"}
	// 10 March 2026 is a Tuesday, the 13th a Friday, the 14th a Saturday.
	tests := []struct {
		name string
		w    monitor.TimeWindow
		at   time.Time
		want bool
	}{
		{"night: evening", night, local(10, 23, 0), true},
		{"night: its first minute", night, local(10, 22, 0), true},
		{"night: a minute before", night, local(10, 21, 59), false},
		{"night: after midnight", night, local(11, 3, 0), true},
		{"night: its last minute", night, local(11, 6, 59), true},
		{"night: its end", night, local(11, 7, 0), false},
		{"night: midday", night, local(11, 12, 0), false},
		{"friday night: friday evening", fridayNight, local(13, 23, 0), true},
		{"friday night: saturday early morning belongs to friday", fridayNight, local(14, 6, 0), true},
		{"friday night: saturday evening", fridayNight, local(14, 23, 0), false},
		{"friday night: friday early morning belongs to thursday", fridayNight, local(13, 6, 0), false},
		{"office: tuesday morning", office, local(10, 9, 0), true},
		{"office: before", office, local(10, 8, 59), false},
		{"office: half past five", office, local(10, 17, 30), false},
		{"office: a minute before", office, local(10, 17, 29), true},
		{"office: wednesday", office, local(11, 12, 0), true},
		{"office: thursday written out", office, local(12, 12, 0), true},
		{"office: saturday", office, local(14, 12, 0), false},
		{"office: in the time's own zone", office, time.Date(2026, time.March, 10, 9, 0, 0, 0, time.UTC), true},
		{"unreadable times never match", monitor.TimeWindow{From: "late", To: "07:00"}, local(10, 23, 0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.w.Contains(tt.at); got != tt.want {
				t.Errorf("%+v.Contains(%s) = %v, want %v", tt.w, tt.at.Format("Mon 15:04"), got, tt.want)
			}
		})
	}
}

func TestPolicyStateForgetsClosedIncidentsAfterAWeek(t *testing.T) {
	p := monitor.NewPolicy(monitor.AlertConfig{}, nil, time.UTC)
	st := monitor.NewPolicyState()
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	open := monitor.Incident{ID: "inc-open", Title: "Still going", Impact: monitor.StateDegraded}
	st.Incidents[monitor.IncidentKey("stripe", open)] = monitor.StateDegraded
	st.Incidents["stripe/inc-closed"] = monitor.StateMajorOutage
	st.Acknowledge("stripe/inc-closed", monitor.StateMajorOutage)
	snap := monitor.Snapshot{Services: []monitor.ServiceStatus{{ID: "stripe", Name: "Stripe", State: monitor.StateDegraded, Incidents: []monitor.Incident{open}}}}
	p.Tick(st, snap, t0)
	p.Tick(st, snap, t0.Add(6*24*time.Hour))
	if _, ok := st.Incidents["stripe/inc-closed"]; !ok {
		t.Fatal("a closed incident was forgotten before a week had passed")
	}
	p.Tick(st, snap, t0.Add(8*24*time.Hour))
	if _, ok := st.Incidents["stripe/inc-closed"]; ok {
		t.Error("a closed incident is still remembered after a week")
	}
	if _, ok := st.Acks["stripe/inc-closed"]; ok {
		t.Error("a closed incident's acknowledgement is still remembered after a week")
	}
	if _, ok := st.Incidents[monitor.IncidentKey("stripe", open)]; !ok {
		t.Error("an incident that is still open was forgotten")
	}
}

// TestPolicyAway: the "While you were away" summary follows the same rules as any notification.
func TestPolicyAway(t *testing.T) {
	quiet := &monitor.TimeWindow{From: "22:00", To: "07:00"}
	move := func(id, name string, from, to monitor.State) monitor.Change {
		return monitor.Change{Kind: monitor.ChangeState, ServiceID: id, Name: name, From: from, To: to}
	}
	gapStart, gapEnd := local(10, 9, 0), local(10, 12, 0)
	changes := []monitor.Change{
		move("adyen", "Adyen", operational, major),
		move("braintree", "Braintree", operational, degraded),
		move("checkout", "Checkout", partial, operational),
	}
	tests := []struct {
		name       string
		cfg        monitor.AlertConfig
		perService map[string]monitor.State
		prep       func(st *monitor.PolicyState)
		at         time.Time
		wantLines  []string // sorted; nil: nothing sent
		wantSev    monitor.State
	}{
		{name: "everything", at: gapEnd,
			wantLines: []string{"Adyen: major outage.", "Braintree: degraded.", "Checkout is working normally again (it was: partial outage)."}, wantSev: major},
		{name: "a snoozed service is left out", at: gapEnd, prep: func(st *monitor.PolicyState) { st.Snooze("adyen", gapEnd.Add(time.Hour)) },
			wantLines: []string{"Braintree: degraded.", "Checkout is working normally again (it was: partial outage)."}, wantSev: partial},
		{name: "below a service's minimum severity is left out", at: gapEnd, perService: map[string]monitor.State{"braintree": partial},
			wantLines: []string{"Adyen: major outage.", "Checkout is working normally again (it was: partial outage)."}, wantSev: major},
		{name: "snoozed all: nothing", at: gapEnd, prep: func(st *monitor.PolicyState) { st.Snooze("", gapEnd.Add(time.Hour)) }},
		{name: "quiet hours hold it when nothing is a major outage", cfg: monitor.AlertConfig{QuietHours: quiet}, at: local(10, 23, 0),
			prep: func(st *monitor.PolicyState) { st.Snooze("adyen", local(11, 9, 0)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := monitor.NewPolicy(tt.cfg, tt.perService, zone)
			st := monitor.NewPolicyState()
			var base []monitor.Change
			for _, c := range changes {
				base = append(base, monitor.Change{Kind: monitor.ChangeBaseline, ServiceID: c.ServiceID, Name: c.Name, To: c.From})
			}
			p.Apply(st, base, gapStart.Add(-time.Hour))
			if tt.prep != nil {
				tt.prep(st)
			}
			sent := p.Away(st, gapStart, gapEnd, changes, monitor.Snapshot{}, tt.at)
			sent = append(sent, p.Tick(st, monitor.Snapshot{}, tt.at.Add(monitor.StormWindow))...)
			if tt.wantLines == nil {
				if len(sent) != 0 {
					t.Fatalf("sent %+v, want nothing", sent)
				}
				return
			}
			if len(sent) != 1 || !strings.HasPrefix(sent[0].Title, "While you were away") {
				t.Fatalf("sent %+v, want one While you were away", sent)
			}
			if got := sortedLines(sent[0].Body); !slices.Equal(got, tt.wantLines) || sent[0].Severity != tt.wantSev {
				t.Errorf("summary %q at %v, want %q at %v", got, sent[0].Severity, tt.wantLines, tt.wantSev)
			}
		})
	}
}
