package monitor_test

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

var t0 = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func pageTarget(svc string) monitor.Target {
	return monitor.Target{ServiceID: svc, SourceID: "page", Kind: monitor.KindPage, Platform: "statuspage", URL: "https://status." + svc + ".example", Interval: time.Minute}
}

func probeTarget(svc string) monitor.Target {
	return monitor.Target{ServiceID: svc, SourceID: "probe:www." + svc + ".example", Kind: monitor.KindProbe, Platform: "probe", URL: "https://www." + svc + ".example/", Interval: 5 * time.Minute}
}

func spec(id, name string, targets ...monitor.Target) monitor.ServiceSpec {
	return monitor.ServiceSpec{ID: id, Name: name, Targets: targets}
}

// pageSays is a page observation whose only signal is its indicator (plus any extras).
func pageSays(key string, when time.Time, s monitor.State, extra ...func(*monitor.Report)) monitor.Observation {
	r := monitor.Report{PageName: "Stripe", Indicator: s}
	for _, f := range extra {
		f(&r)
	}
	return monitor.Observation{Target: key, At: when, Report: r}
}

func incident(id, title string, impact monitor.State, comps ...string) func(*monitor.Report) {
	return func(r *monitor.Report) {
		r.Incidents = append(r.Incidents, monitor.Incident{ID: id, Title: title, Impact: impact, Status: "investigating", Components: comps})
	}
}

func maint(id, title string, inProgress bool, comps ...string) func(*monitor.Report) {
	return func(r *monitor.Report) {
		r.Maintenances = append(r.Maintenances, monitor.Maintenance{ID: id, Title: title, InProgress: inProgress, StartsAt: at(120), EndsAt: at(180), Components: comps})
	}
}

func components(cs ...monitor.Component) func(*monitor.Report) {
	return func(r *monitor.Report) { r.Components = append(r.Components, cs...) }
}

func failed(key string, when time.Time, err error) monitor.Observation {
	return monitor.Observation{Target: key, At: when, Err: err}
}

var errRefused = &monitor.FetchError{Kind: monitor.ErrRefused, URL: "https://status.stripe.example/api/v2/summary.json"}

// probeSays is one probe attempt: a judged answer, with s == -1 a connection failure, with
// s == -2 a name that does not resolve.
func probeSays(key string, when time.Time, s monitor.State) monitor.Observation {
	if s == -2 {
		return failed(key, when, &monitor.FetchError{Kind: monitor.ErrDNS, Host: "www.visa.example"})
	}
	if s < 0 {
		return failed(key, when, &monitor.FetchError{Kind: monitor.ErrTimeout, Timeout: 10 * time.Second})
	}
	verdict := map[monitor.State]string{operational: "reachable", degraded: "slow", major: "failing"}[s]
	return monitor.Observation{Target: key, At: when, Report: monitor.Report{Probe: &monitor.ProbeResult{StatusCode: 200, State: s, Verdict: verdict, Reason: verdict + " (test)"}}}
}

func service(t *testing.T, tr *monitor.Tracker, when time.Time, id string) monitor.ServiceStatus {
	t.Helper()
	for _, s := range tr.Snapshot(when).Services {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("service %q not in the snapshot", id)
	return monitor.ServiceStatus{}
}

func stateChanges(cs []monitor.Change) []monitor.Change {
	var out []monitor.Change
	for _, c := range cs {
		if c.Kind == monitor.ChangeState {
			out = append(out, c)
		}
	}
	return out
}

func TestTrackerProbeHysteresis(t *testing.T) {
	const fail, errd, dns = major, monitor.State(-1), monitor.State(-2)
	tests := []struct {
		name     string
		attempts []monitor.State
		want     []monitor.State // service state after each attempt
		changes  int             // ChangeState count over the whole sequence
	}{
		{name: "first good probe counts at once", attempts: []monitor.State{operational}, want: []monitor.State{operational}},
		{name: "first failure waits for a second", attempts: []monitor.State{fail, fail}, want: []monitor.State{unknown, major}},
		{name: "two failures in a row to go down", attempts: []monitor.State{operational, fail, fail, fail},
			want: []monitor.State{operational, operational, major, major}, changes: 1},
		{name: "connection errors count as failures", attempts: []monitor.State{operational, errd, errd},
			want: []monitor.State{operational, operational, major}, changes: 1},
		{name: "two successes in a row to recover", attempts: []monitor.State{operational, fail, fail, operational, operational},
			want: []monitor.State{operational, operational, major, major, operational}, changes: 2},
		{name: "flapping never confirms", attempts: []monitor.State{operational, fail, operational, fail, operational, errd, operational, fail},
			want: []monitor.State{operational, operational, operational, operational, operational, operational, operational, operational}},
		{name: "flapping while down never recovers", attempts: []monitor.State{operational, fail, fail, operational, fail, operational, fail},
			want: []monitor.State{operational, operational, major, major, major, major, major}, changes: 1},
		{name: "slow needs confirming too", attempts: []monitor.State{operational, degraded, degraded},
			want: []monitor.State{operational, operational, degraded}, changes: 1},
		// A name that does not resolve while the network works is this network's problem:
		// "can't tell", never an outage, and the failure run starts over.
		{name: "a DNS failure is not an outage", attempts: []monitor.State{operational, dns, dns, dns},
			want: []monitor.State{operational, unknown, unknown, unknown}},
		{name: "a DNS failure breaks a failure run", attempts: []monitor.State{operational, fail, dns, fail, operational},
			want: []monitor.State{operational, operational, unknown, unknown, operational}},
		{name: "a DNS failure while down says can't tell", attempts: []monitor.State{operational, fail, fail, dns},
			want: []monitor.State{operational, operational, major, unknown}, changes: 1},
		{name: "worse while down counts at once", attempts: []monitor.State{operational, degraded, degraded, fail},
			want: []monitor.State{operational, operational, degraded, major}, changes: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pt := probeTarget("visa")
			tr := monitor.NewTracker([]monitor.ServiceSpec{spec("visa", "Visa", pt)}, monitor.Thresholds{ProbeFailures: 2, ProbeSuccesses: 2})
			changes := 0
			for i, a := range tt.attempts {
				changes += len(stateChanges(tr.Observe(probeSays(pt.Key(), at(i*5), a))))
				if got := service(t, tr, at(i*5), "visa").State; got != tt.want[i] {
					t.Errorf("after attempt %d (%v): state %v, want %v", i+1, a, got, tt.want[i])
				}
			}
			if changes != tt.changes {
				t.Errorf("got %d state changes, want %d", changes, tt.changes)
			}
		})
	}
}

func TestTrackerProbeSaysItIsChecking(t *testing.T) {
	pt := probeTarget("visa")
	tr := monitor.NewTracker([]monitor.ServiceSpec{spec("visa", "Visa", pt)}, monitor.Thresholds{})
	tr.Observe(probeSays(pt.Key(), at(0), operational))
	tr.Observe(probeSays(pt.Key(), at(5), major))
	src := service(t, tr, at(5), "visa").Sources[0]
	if want := "failing (test) (checking again before saying so)"; src.Reason != want {
		t.Errorf("pending reason = %q, want %q", src.Reason, want)
	}
	if src.State != operational {
		t.Errorf("pending state = %v, want operational", src.State)
	}
}

func TestTrackerPageStale(t *testing.T) {
	pg := pageTarget("stripe")
	tr := monitor.NewTracker([]monitor.ServiceSpec{spec("stripe", "Stripe", pg)}, monitor.Thresholds{PageStaleTries: 3})
	tr.Observe(pageSays(pg.Key(), at(0), degraded, incident("i1", "Webhooks delayed", degraded)))
	steps := []struct {
		name        string
		obs         monitor.Observation
		wantState   monitor.State
		wantStale   bool
		wantReason  string
		wantIncs    int
		wantChanges int
	}{
		{"first failure keeps the state", failed(pg.Key(), at(1), errRefused), degraded, true, "could not refresh: the server refused the connection", 1, 0},
		{"second failure keeps it", failed(pg.Key(), at(2), errRefused), degraded, true, "could not refresh: the server refused the connection", 1, 0},
		{"third failure: unknown", failed(pg.Key(), at(3), errRefused), unknown, false, "the server refused the connection", 0, 0},
		{"still failing", failed(pg.Key(), at(4), &monitor.HTTPError{Code: 503}), unknown, false, "the status page's server had an error (HTTP 503)", 0, 0},
		// Unknown is not a state of its own for alerts: this is the recovery from degraded.
		{"answers again", pageSays(pg.Key(), at(5), operational), operational, false, "all systems operational", 0, 1},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if cs := tr.Observe(st.obs); len(cs) != st.wantChanges {
				t.Errorf("changes = %+v, want %d", cs, st.wantChanges)
			}
			s := service(t, tr, st.obs.At, "stripe")
			if s.State != st.wantState || s.Stale != st.wantStale || s.Sources[0].Reason != st.wantReason {
				t.Errorf("state, stale, reason = %v, %v, %q; want %v, %v, %q", s.State, s.Stale, s.Sources[0].Reason, st.wantState, st.wantStale, st.wantReason)
			}
			if len(s.Incidents) != st.wantIncs {
				t.Errorf("%d incidents shown, want %d", len(s.Incidents), st.wantIncs)
			}
			if !s.CheckedAt.Equal(st.obs.At) {
				t.Errorf("CheckedAt = %v, want %v", s.CheckedAt, st.obs.At)
			}
		})
	}
}

func TestTrackerPageStaleDefaultTries(t *testing.T) {
	pg := pageTarget("stripe")
	tr := monitor.NewTracker([]monitor.ServiceSpec{spec("stripe", "Stripe", pg)}, monitor.Thresholds{})
	tr.Observe(pageSays(pg.Key(), at(0), major))
	for i := 1; i < monitor.DefaultThresholds.PageStaleTries; i++ {
		tr.Observe(failed(pg.Key(), at(i), errRefused))
		if s := service(t, tr, at(i), "stripe"); s.State != major || !s.Stale {
			t.Fatalf("after %d failures: %v (stale %v), want major outage, stale", i, s.State, s.Stale)
		}
	}
	n := monitor.DefaultThresholds.PageStaleTries
	tr.Observe(failed(pg.Key(), at(n), errRefused))
	if s := service(t, tr, at(n), "stripe"); s.State != unknown {
		t.Errorf("after %d failures: %v, want unknown", n, s.State)
	}
}

func TestTrackerBaseline(t *testing.T) {
	pg := pageTarget("stripe")
	tr := monitor.NewTracker([]monitor.ServiceSpec{spec("stripe", "Stripe", pg)}, monitor.Thresholds{})
	first := pageSays(pg.Key(), at(0), major, incident("i1", "API errors", major), maint("m1", "Database upgrade", false))
	if cs := tr.Observe(first); len(cs) != 1 || cs[0].Kind != monitor.ChangeBaseline || cs[0].To != major {
		t.Errorf("first observation gave changes %+v, want only the baseline (major outage)", cs)
	}
	again := pageSays(pg.Key(), at(1), major, incident("i1", "API errors", major), maint("m1", "Database upgrade", false))
	if cs := tr.Observe(again); len(cs) != 0 {
		t.Errorf("the same page again gave changes %+v, want none", cs)
	}
	s := service(t, tr, at(1), "stripe")
	if s.State != major || !s.Since.Equal(at(0)) {
		t.Errorf("state %v since %v, want major outage since %v", s.State, s.Since, at(0))
	}
}

func TestTrackerBaselineWaitsForEverySource(t *testing.T) {
	// The probe answers first; the page, slower, says there is an outage that was already on
	// before Paywatch started. That is the baseline, not news.
	pg, pt := pageTarget("stripe"), probeTarget("stripe")
	tr := monitor.NewTracker([]monitor.ServiceSpec{spec("stripe", "Stripe", pg, pt)}, monitor.Thresholds{})
	if cs := tr.Observe(probeSays(pt.Key(), at(0), operational)); len(cs) != 0 {
		t.Errorf("probe: changes %+v, want none", cs)
	}
	if cs := tr.Observe(pageSays(pg.Key(), at(0), major, incident("i1", "API errors", major), maint("m1", "Upgrade", false))); len(cs) != 1 || cs[0].Kind != monitor.ChangeBaseline {
		t.Errorf("page: changes %+v, want only the baseline at start-up", cs)
	}
	cs := tr.Observe(pageSays(pg.Key(), at(1), operational))
	if got := stateChanges(cs); len(got) != 1 || got[0].From != major || got[0].To != operational {
		t.Errorf("recovery: changes %+v, want one major outage → operational", cs)
	}
}

func TestTrackerStateChange(t *testing.T) {
	pg := pageTarget("stripe")
	tr := monitor.NewTracker([]monitor.ServiceSpec{spec("stripe", "Stripe", pg)}, monitor.Thresholds{})
	tr.Observe(pageSays(pg.Key(), at(0), operational))
	cs := tr.Observe(pageSays(pg.Key(), at(3), major, incident("i1", "Card payments failing", major), incident("i0", "Slow dashboard", degraded)))
	if len(cs) != 1 {
		t.Fatalf("got %d changes %+v, want exactly 1", len(cs), cs)
	}
	c := cs[0]
	if c.Kind != monitor.ChangeState || c.ServiceID != "stripe" || c.Name != "Stripe" || c.From != operational || c.To != major || !c.At.Equal(at(3)) {
		t.Errorf("change = %+v, want stripe operational → major outage at %v", c, at(3))
	}
	if c.Incident == nil || c.Incident.Title != "Card payments failing" {
		t.Errorf("change incident = %+v, want the worst one (Card payments failing)", c.Incident)
	}
	if len(c.Sources) != 1 || c.Sources[0].State != major {
		t.Errorf("change sources = %+v, want the page at major outage", c.Sources)
	}
	if c.Lasted != 0 {
		t.Errorf("Lasted = %v on a worsening, want 0", c.Lasted)
	}
	if cs := tr.Observe(pageSays(pg.Key(), at(4), major, incident("i1", "Card payments failing", major), incident("i0", "Slow dashboard", degraded))); len(cs) != 0 {
		t.Errorf("same state again: changes %+v, want none", cs)
	}
}

func TestTrackerRecoveryLasted(t *testing.T) {
	pg := pageTarget("stripe")
	tr := monitor.NewTracker([]monitor.ServiceSpec{spec("stripe", "Stripe", pg)}, monitor.Thresholds{})
	steps := []struct {
		min        int
		s          monitor.State
		wantFrom   monitor.State
		wantLasted time.Duration
	}{
		{min: 0, s: operational},
		{min: 5, s: major, wantFrom: operational},
		{min: 9, s: degraded, wantFrom: major},
		{min: 17, s: operational, wantFrom: degraded, wantLasted: 12 * time.Minute},
		{min: 30, s: partial, wantFrom: operational},
		{min: 31, s: operational, wantFrom: partial, wantLasted: time.Minute},
	}
	for _, st := range steps {
		cs := stateChanges(tr.Observe(pageSays(pg.Key(), at(st.min), st.s)))
		if st.min == 0 {
			continue
		}
		if len(cs) != 1 {
			t.Fatalf("minute %d: %d state changes, want 1", st.min, len(cs))
		}
		if cs[0].From != st.wantFrom || cs[0].To != st.s || cs[0].Lasted != st.wantLasted {
			t.Errorf("minute %d: %v → %v lasted %v, want %v → %v lasted %v", st.min, cs[0].From, cs[0].To, cs[0].Lasted, st.wantFrom, st.s, st.wantLasted)
		}
	}
}

func TestTrackerUnknownNeverChanges(t *testing.T) {
	pg := pageTarget("stripe")
	tr := monitor.NewTracker([]monitor.ServiceSpec{spec("stripe", "Stripe", pg)}, monitor.Thresholds{PageStaleTries: 1})
	seq := []struct {
		obs         monitor.Observation
		wantChanges int
	}{
		{failed(pg.Key(), at(0), errRefused), 0},             // unknown from the start
		{pageSays(pg.Key(), at(1), operational), 1},          // the baseline
		{failed(pg.Key(), at(2), errRefused), 0},             // unknown: no alert
		{failed(pg.Key(), at(3), errors.New("bad JSON")), 0}, // still unknown
		{pageSays(pg.Key(), at(4), operational), 0},          // back where it was: nothing to say
		{pageSays(pg.Key(), at(5), degraded), 1},             // a real change
		{failed(pg.Key(), at(6), errRefused), 0},             // unknown again
		{pageSays(pg.Key(), at(7), operational), 1},          // degraded → operational, across the gap
	}
	for i, st := range seq {
		cs := tr.Observe(st.obs)
		if len(cs) != st.wantChanges {
			t.Errorf("step %d: changes %+v, want %d", i+1, cs, st.wantChanges)
		}
		for _, c := range cs {
			if c.Kind != monitor.ChangeBaseline && (c.From == unknown || c.To == unknown) {
				t.Errorf("step %d: change %v → %v involves unknown", i+1, c.From, c.To)
			}
		}
	}
}

func TestTrackerNewIncident(t *testing.T) {
	pg := pageTarget("stripe")
	tr := monitor.NewTracker([]monitor.ServiceSpec{spec("stripe", "Stripe", pg)}, monitor.Thresholds{})
	tr.Observe(pageSays(pg.Key(), at(0), operational))
	tr.Observe(pageSays(pg.Key(), at(1), degraded, incident("i1", "Webhooks delayed", degraded)))
	tests := []struct {
		name     string
		obs      monitor.Observation
		wantKind []monitor.ChangeKind
		wantInc  string
	}{
		{name: "same incident again", obs: pageSays(pg.Key(), at(2), degraded, incident("i1", "Webhooks delayed", degraded))},
		{name: "second incident, same state", obs: pageSays(pg.Key(), at(3), degraded, incident("i1", "Webhooks delayed", degraded), incident("i2", "Payouts late", degraded)),
			wantKind: []monitor.ChangeKind{monitor.ChangeNewIncident}, wantInc: "Payouts late"},
		{name: "third incident that also worsens: one state change", obs: pageSays(pg.Key(), at(4), major, incident("i1", "Webhooks delayed", degraded), incident("i2", "Payouts late", degraded), incident("i3", "API down", major)),
			wantKind: []monitor.ChangeKind{monitor.ChangeState}, wantInc: "API down"},
		{name: "an incident closes", obs: pageSays(pg.Key(), at(5), major, incident("i3", "API down", major))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := tr.Observe(tt.obs)
			var kinds []monitor.ChangeKind
			for _, c := range cs {
				kinds = append(kinds, c.Kind)
			}
			if len(kinds) != len(tt.wantKind) || (len(kinds) > 0 && kinds[0] != tt.wantKind[0]) {
				t.Fatalf("change kinds = %v, want %v", kinds, tt.wantKind)
			}
			if len(cs) == 0 {
				return
			}
			if cs[0].Incident == nil || cs[0].Incident.Title != tt.wantInc {
				t.Errorf("incident = %+v, want %q", cs[0].Incident, tt.wantInc)
			}
			if cs[0].Kind == monitor.ChangeNewIncident && (cs[0].From != degraded || cs[0].To != degraded) {
				t.Errorf("new incident change %v → %v, want degraded → degraded", cs[0].From, cs[0].To)
			}
		})
	}
}

func TestTrackerMaintenance(t *testing.T) {
	pg := pageTarget("stripe")
	tr := monitor.NewTracker([]monitor.ServiceSpec{spec("stripe", "Stripe", pg)}, monitor.Thresholds{})
	tr.Observe(pageSays(pg.Key(), at(0), operational))
	tests := []struct {
		name      string
		obs       monitor.Observation
		want      []monitor.ChangeKind
		wantStart bool // the ChangeMaintenance is for the start of the work
	}{
		{name: "planned", obs: pageSays(pg.Key(), at(1), operational, maint("m1", "Database upgrade", false)), want: []monitor.ChangeKind{monitor.ChangeMaintenance}},
		{name: "still planned", obs: pageSays(pg.Key(), at(2), operational, maint("m1", "Database upgrade", false))},
		{name: "started", obs: pageSays(pg.Key(), at(120), maintenance, maint("m1", "Database upgrade", true)),
			want: []monitor.ChangeKind{monitor.ChangeState, monitor.ChangeMaintenance}, wantStart: true},
		{name: "in progress", obs: pageSays(pg.Key(), at(150), maintenance, maint("m1", "Database upgrade", true))},
		{name: "done", obs: pageSays(pg.Key(), at(180), operational), want: []monitor.ChangeKind{monitor.ChangeState}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := tr.Observe(tt.obs)
			var kinds []monitor.ChangeKind
			for _, c := range cs {
				kinds = append(kinds, c.Kind)
				if c.Kind == monitor.ChangeMaintenance {
					if c.Maintenance == nil || c.Maintenance.Title != "Database upgrade" || c.Maintenance.InProgress != tt.wantStart {
						t.Errorf("maintenance = %+v, want Database upgrade (in progress %v)", c.Maintenance, tt.wantStart)
					}
				}
			}
			if len(kinds) != len(tt.want) {
				t.Fatalf("change kinds = %v, want %v", kinds, tt.want)
			}
			for i := range kinds {
				if kinds[i] != tt.want[i] {
					t.Errorf("change kinds = %v, want %v", kinds, tt.want)
				}
			}
		})
	}
}

func TestTrackerFilterLimitsNews(t *testing.T) {
	// The user watches only card payments: news about the dashboard is not theirs.
	pg := pageTarget("stripe")
	sp := spec("stripe", "Stripe", pg)
	sp.Filter = monitor.ComponentFilter{Include: []string{"Card payments"}}
	tr := monitor.NewTracker([]monitor.ServiceSpec{sp}, monitor.Thresholds{})
	cards := comp("c1", "Card payments", "", degraded)
	dash := comp("c2", "Dashboard", "", operational)
	tr.Observe(pageSays(pg.Key(), at(0), degraded, components(cards, dash), incident("i1", "Card payments slow", degraded, "c1")))
	tests := []struct {
		name string
		obs  monitor.Observation
		want int
	}{
		{name: "incident on the dashboard", obs: pageSays(pg.Key(), at(1), degraded, components(cards, dash), incident("i1", "Card payments slow", degraded, "c1"), incident("i2", "Dashboard slow", degraded, "c2")), want: 0},
		{name: "maintenance on the dashboard", obs: pageSays(pg.Key(), at(2), degraded, components(cards, dash), incident("i1", "Card payments slow", degraded, "c1"), maint("m1", "Dashboard upgrade", false, "c2")), want: 0},
		{name: "maintenance on card payments", obs: pageSays(pg.Key(), at(3), degraded, components(cards, dash), incident("i1", "Card payments slow", degraded, "c1"), maint("m2", "Card network upgrade", false, "c1")), want: 1},
		{name: "incident on card payments", obs: pageSays(pg.Key(), at(4), degraded, components(cards, dash), incident("i1", "Card payments slow", degraded, "c1"), incident("i3", "Card declines", degraded, "Card payments")), want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if cs := tr.Observe(tt.obs); len(cs) != tt.want {
				t.Errorf("changes %+v, want %d", cs, tt.want)
			}
		})
	}
}

// TestTrackerFilterMarksSnapshot: what happens to components the user does not watch stays in the
// snapshot for the window, marked, and is never the service's reason or the incident a
// notification names.
func TestTrackerFilterMarksSnapshot(t *testing.T) {
	pg := pageTarget("shopify")
	sp := spec("shopify", "Shopify", pg)
	sp.Filter = monitor.ComponentFilter{Include: []string{"Payments*"}}
	tr := monitor.NewTracker([]monitor.ServiceSpec{sp}, monitor.Thresholds{})
	pay := comp("c1", "Payments processing", "", degraded)
	theme := comp("c2", "Theme editor", "", major)
	cs := tr.Observe(pageSays(pg.Key(), at(0), major, components(pay, theme),
		incident("i1", "Theme editor down", major, "c2"), incident("i2", "Payments slow", degraded, "c1"),
		maint("m1", "Theme editor upgrade", false, "c2"), maint("m2", "Payments upgrade", false, "c1")))
	if len(cs) != 1 || cs[0].Incident == nil || cs[0].Incident.Title != "Payments slow" {
		t.Fatalf("baseline %+v, want one naming the payments incident", cs)
	}
	sv := service(t, tr, at(0), "shopify")
	if sv.State != degraded || sv.Reason != "Payments slow" {
		t.Errorf("service %v, %q; want degraded, %q", sv.State, sv.Reason, "Payments slow")
	}
	filtered := map[string]bool{}
	for _, in := range sv.Incidents {
		filtered[in.Title] = in.Filtered
	}
	for _, m := range sv.Maintenances {
		filtered[m.Title] = m.Filtered
	}
	want := map[string]bool{"Theme editor down": true, "Payments slow": false, "Theme editor upgrade": true, "Payments upgrade": false}
	if !maps.Equal(filtered, want) {
		t.Errorf("filtered marks %v, want %v", filtered, want)
	}
}

func TestTrackerPageAndProbe(t *testing.T) {
	tests := []struct {
		name     string
		page     monitor.State
		probes   []monitor.State
		want     monitor.State
		wantLine string // SourcesLine of the snapshot
	}{
		{name: "both fine", page: operational, probes: []monitor.State{operational}, want: operational,
			wantLine: "Official status: operational · From your network: reachable"},
		{name: "page says degraded", page: degraded, probes: []monitor.State{operational}, want: degraded,
			wantLine: "Official status: degraded · From your network: reachable"},
		{name: "probe fails twice", page: operational, probes: []monitor.State{operational, major, major}, want: major,
			wantLine: "Official status: operational · From your network: failing"},
		{name: "probe fails once", page: operational, probes: []monitor.State{operational, major}, want: operational,
			wantLine: "Official status: operational · From your network: failing"},
		{name: "page worse than probe", page: partial, probes: []monitor.State{degraded, degraded}, want: partial,
			wantLine: "Official status: partial outage · From your network: slow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pg, pt := pageTarget("stripe"), probeTarget("stripe")
			tr := monitor.NewTracker([]monitor.ServiceSpec{spec("stripe", "Stripe", pg, pt)}, monitor.Thresholds{})
			tr.Observe(pageSays(pg.Key(), at(0), tt.page))
			for i, p := range tt.probes {
				tr.Observe(probeSays(pt.Key(), at(i), p))
			}
			s := service(t, tr, at(5), "stripe")
			if s.State != tt.want {
				t.Errorf("state = %v, want %v", s.State, tt.want)
			}
			if got := monitor.SourcesLine(s.Sources); got != tt.wantLine {
				t.Errorf("SourcesLine = %q, want %q", got, tt.wantLine)
			}
		})
	}
}

func TestTrackerSnapshot(t *testing.T) {
	a, b, c := pageTarget("stripe"), pageTarget("square"), probeTarget("visa")
	tr := monitor.NewTracker([]monitor.ServiceSpec{
		spec("stripe", "Stripe", a), spec("square", "Square", b), spec("visa", "Visa", c),
	}, monitor.Thresholds{})
	if cs := tr.Observe(pageSays("nobody/page", at(0), major)); cs != nil {
		t.Errorf("observation of an unknown target gave %+v, want nil", cs)
	}
	snap := tr.Snapshot(at(0))
	if got := snap.Overall(); got != unknown {
		t.Errorf("Overall before any check = %v, want unknown", got)
	}
	for _, s := range snap.Services {
		if s.Sources[0].Reason != "not checked yet" {
			t.Errorf("%s: reason %q, want %q", s.ID, s.Sources[0].Reason, "not checked yet")
		}
	}
	tr.Observe(pageSays(a.Key(), at(1), degraded, incident("i1", "Webhooks delayed", degraded)))
	tr.Observe(pageSays(b.Key(), at(1), operational))
	tr.Observe(probeSays(c.Key(), at(1), operational))
	snap = tr.Snapshot(at(2))
	if !snap.At.Equal(at(2)) {
		t.Errorf("At = %v, want %v", snap.At, at(2))
	}
	if got := snap.Overall(); got != degraded {
		t.Errorf("Overall = %v, want degraded", got)
	}
	if got := snap.Problems(); got != 1 {
		t.Errorf("Problems = %d, want 1", got)
	}
	names := []string{}
	for _, s := range snap.Services {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); got != "Stripe,Square,Visa" {
		t.Errorf("services in order %s, want Stripe,Square,Visa", got)
	}
	stripe := snap.Services[0]
	if stripe.Reason != "Webhooks delayed" {
		t.Errorf("reason = %q, want the incident title", stripe.Reason)
	}
	// The snapshot shares nothing with the tracker.
	stripe.Incidents[0].Title = "changed"
	if got := service(t, tr, at(2), "stripe").Incidents[0].Title; got != "Webhooks delayed" {
		t.Errorf("after editing a snapshot the tracker says %q", got)
	}
	if got := (monitor.Snapshot{}).Overall(); got != unknown {
		t.Errorf("empty snapshot Overall = %v, want unknown", got)
	}

	tr.MarkAllStale("not refreshed: You appear to be offline")
	for _, s := range tr.Snapshot(at(3)).Services {
		if !s.Stale || s.Sources[0].Reason != "not refreshed: You appear to be offline" {
			t.Errorf("%s after MarkAllStale: stale %v, reason %q", s.ID, s.Stale, s.Sources[0].Reason)
		}
		if s.State == unknown {
			t.Errorf("%s lost its state when marked stale", s.ID)
		}
	}
}

func TestTrackerIncidentUpdate(t *testing.T) {
	pg := pageTarget("stripe")
	tr := monitor.NewTracker([]monitor.ServiceSpec{spec("stripe", "Stripe", pg)}, monitor.Thresholds{})
	withUpdate := func(when time.Time, text string) func(*monitor.Report) {
		return func(r *monitor.Report) {
			r.Incidents = append(r.Incidents, monitor.Incident{ID: "i1", Title: "API errors", Impact: major, Status: "identified", UpdatedAt: when, LatestUpdate: text})
		}
	}
	tr.Observe(pageSays(pg.Key(), at(0), major, withUpdate(at(0), "Looking into it.")))
	if cs := tr.Observe(pageSays(pg.Key(), at(1), major, withUpdate(at(0), "Looking into it."))); len(cs) != 0 {
		t.Errorf("an unchanged incident gave changes %+v, want none", cs)
	}
	cs := tr.Observe(pageSays(pg.Key(), at(2), major, withUpdate(at(2), "A fix is rolling out.")))
	if len(cs) != 1 || cs[0].Kind != monitor.ChangeIncidentUpdate || cs[0].Incident.LatestUpdate != "A fix is rolling out." {
		t.Errorf("an incident update gave changes %+v, want one ChangeIncidentUpdate with the new text", cs)
	}
}

func TestTrackerTakesTheDetectedPlatform(t *testing.T) {
	pg := pageTarget("acme")
	pg.Platform = "auto"
	tr := monitor.NewTracker([]monitor.ServiceSpec{spec("acme", "Acme", pg)}, monitor.Thresholds{})
	o := pageSays(pg.Key(), at(0), operational)
	o.Report.Platform = "instatus"
	tr.Observe(o)
	if got := service(t, tr, at(0), "acme").Sources[0].Platform; got != "instatus" {
		t.Errorf("source platform = %q, want the detected instatus", got)
	}
}

// TestTrackerProbeDNSReason: a provider's name that does not resolve from here is named as that,
// not as the provider failing.
func TestTrackerProbeDNSReason(t *testing.T) {
	pt := probeTarget("visa")
	tr := monitor.NewTracker([]monitor.ServiceSpec{spec("visa", "Visa", pt)}, monitor.Thresholds{ProbeFailures: 2, ProbeSuccesses: 2})
	tr.Observe(probeSays(pt.Key(), at(0), operational))
	tr.Observe(probeSays(pt.Key(), at(5), -2))
	sv := service(t, tr, at(5), "visa")
	if sv.State != unknown || sv.Reason != "cannot resolve www.visa.example from your network" {
		t.Errorf("after a DNS failure: %v, %q; want unknown, cannot resolve www.visa.example from your network", sv.State, sv.Reason)
	}
	if line := monitor.SourcesLine(sv.Sources); line != "No official status page · From your network: cannot look up the address" {
		t.Errorf("sources line = %q", line)
	}
}

// TestTrackerFreshAnswerClearsStale: after an offline spell marks everything stale, the next
// answer of each source clears the mark, probes included.
func TestTrackerFreshAnswerClearsStale(t *testing.T) {
	pg, pt := pageTarget("stripe"), probeTarget("stripe")
	tr := monitor.NewTracker([]monitor.ServiceSpec{spec("stripe", "Stripe", pg, pt)}, monitor.Thresholds{ProbeFailures: 2, ProbeSuccesses: 2})
	tr.Observe(pageSays(pg.Key(), at(0), operational))
	tr.Observe(probeSays(pt.Key(), at(0), operational))
	tr.MarkAllStale("not refreshed: offline")
	if sv := service(t, tr, at(1), "stripe"); !sv.Stale {
		t.Fatal("MarkAllStale left the service fresh")
	}
	tr.Observe(pageSays(pg.Key(), at(2), operational))
	if sv := service(t, tr, at(2), "stripe"); !sv.Stale {
		t.Error("fresh after the page alone; the probe has not answered yet")
	}
	tr.Observe(probeSays(pt.Key(), at(3), operational))
	if sv := service(t, tr, at(3), "stripe"); sv.Stale {
		t.Errorf("still stale after both sources answered: %+v", sv.Sources)
	}
}

func TestSnapshotAllChecked(t *testing.T) {
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		s    monitor.Snapshot
		want bool
	}{
		{"no services", monitor.Snapshot{}, false},
		{"one not yet checked", monitor.Snapshot{Services: []monitor.ServiceStatus{{ID: "a", CheckedAt: at}, {ID: "b"}}}, false},
		{"every one checked", monitor.Snapshot{Services: []monitor.ServiceStatus{{ID: "a", CheckedAt: at}, {ID: "b", CheckedAt: at.Add(time.Second)}}}, true},
	} {
		if got := tt.s.AllChecked(); got != tt.want {
			t.Errorf("%s: AllChecked() = %v, want %v", tt.name, got, tt.want)
		}
	}
}
