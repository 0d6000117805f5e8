package monitor_test

import (
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

func stateChange(from, to monitor.State) monitor.Change {
	return monitor.Change{Kind: monitor.ChangeState, ServiceID: "stripe", Name: "Stripe", From: from, To: to, At: at(0)}
}

func sev(s monitor.State) *monitor.State { return &s }

func noYes(b bool) *bool { return &b }

func TestDecide(t *testing.T) {
	worse := stateChange(operational, major)
	worse.Incident = &monitor.Incident{Title: "API <b>errors</b>", LatestUpdate: "We are investigating&nbsp;elevated error rates."}
	recovered := stateChange(degraded, operational)
	recovered.Lasted = 12 * time.Minute
	quickly := stateChange(major, operational)
	quickly.Lasted = 300 * time.Millisecond
	withSources := stateChange(operational, major)
	withSources.Sources = []monitor.SourceStatus{
		{Kind: "page", State: operational, CheckedAt: at(0)},
		{Kind: "probe", State: major, Verdict: "failing", CheckedAt: at(0)},
	}
	newIncident := monitor.Change{Kind: monitor.ChangeNewIncident, ServiceID: "stripe", Name: "Stripe", From: degraded, To: degraded, At: at(0),
		Incident: &monitor.Incident{Title: "Payouts late", Impact: degraded, LatestUpdate: "Some payouts are\ndelayed."}}
	minorIncident := newIncident
	minorIncident.Incident = &monitor.Incident{Title: "Dashboard slow", Impact: degraded}
	starts := time.Date(2026, 3, 14, 2, 0, 0, 0, time.UTC)
	planned := monitor.Change{Kind: monitor.ChangeMaintenance, ServiceID: "stripe", Name: "Stripe", From: operational, To: operational, At: at(0),
		Maintenance: &monitor.Maintenance{Title: "Database upgrade", StartsAt: starts, EndsAt: starts.Add(time.Hour)}}
	started := planned
	started.Maintenance = &monitor.Maintenance{Title: "Database upgrade", InProgress: true}
	wantWhen := starts.Local().Format("Mon 2 Jan 15:04") + "–" + starts.Add(time.Hour).Local().Format("15:04")

	type note struct{ title, body string }
	tests := []struct {
		name    string
		cfg     monitor.AlertConfig
		changes []monitor.Change
		want    []note
	}{
		{name: "worse notifies", changes: []monitor.Change{worse},
			want: []note{{"Stripe: Major outage", "API errors — We are investigating elevated error rates."}}},
		{name: "worse without an incident", changes: []monitor.Change{stateChange(operational, degraded)},
			want: []note{{"Stripe: Degraded", "Stripe now reports: degraded."}}},
		{name: "worse with a probe says who says what", changes: []monitor.Change{withSources},
			want: []note{{"Stripe: Major outage", "Official status: operational · From your network: failing"}}},
		{name: "worse again while down", changes: []monitor.Change{stateChange(degraded, partial)},
			want: []note{{"Stripe: Partial outage", "Stripe now reports: partial outage."}}},
		{name: "better but not recovered is quiet", changes: []monitor.Change{stateChange(major, degraded)}},
		{name: "recovery says how long", changes: []monitor.Change{recovered},
			want: []note{{"Stripe is back to normal", "Working normally again. The problem lasted 12 minutes."}}},
		{name: "recovery in under a second", changes: []monitor.Change{quickly},
			want: []note{{"Stripe is back to normal", "Working normally again."}}},
		{name: "maintenance starting is quiet by default", changes: []monitor.Change{stateChange(operational, maintenance)}},
		{name: "maintenance starting and ending are quiet by default", changes: []monitor.Change{stateChange(operational, maintenance), stateChange(maintenance, operational)}},
		{name: "maintenance ending, with min severity maintenance", cfg: monitor.AlertConfig{MinSeverity: sev(maintenance)}, changes: []monitor.Change{stateChange(maintenance, operational)},
			want: []note{{"Stripe is back to normal", "Working normally again."}}},
		{name: "unknown never notifies", changes: []monitor.Change{stateChange(operational, unknown), stateChange(unknown, operational)}},
		{name: "min severity: a lesser problem is quiet", cfg: monitor.AlertConfig{MinSeverity: sev(partial)},
			changes: []monitor.Change{stateChange(operational, degraded), stateChange(degraded, operational)}},
		{name: "min severity: and so is its recovery", cfg: monitor.AlertConfig{MinSeverity: sev(major)},
			changes: []monitor.Change{stateChange(operational, partial), stateChange(partial, operational)}},
		{name: "min severity: reached", cfg: monitor.AlertConfig{MinSeverity: sev(partial)},
			changes: []monitor.Change{stateChange(degraded, partial), stateChange(partial, operational)},
			want:    []note{{"Stripe: Partial outage", "Stripe now reports: partial outage."}, {"Stripe is back to normal", "Working normally again."}}},
		{name: "min severity maintenance notifies maintenance", cfg: monitor.AlertConfig{MinSeverity: sev(maintenance)},
			changes: []monitor.Change{stateChange(operational, maintenance)},
			want:    []note{{"Stripe: Maintenance", "Stripe now reports: maintenance."}}},
		{name: "new incident", changes: []monitor.Change{newIncident},
			want: []note{{"Stripe: new incident", "Payouts late — Some payouts are delayed."}}},
		{name: "new minor incident below min severity", cfg: monitor.AlertConfig{MinSeverity: sev(partial)}, changes: []monitor.Change{minorIncident}},
		{name: "new incident without the incident", changes: []monitor.Change{{Kind: monitor.ChangeNewIncident, Name: "Stripe", To: degraded}}},
		{name: "maintenance planned", changes: []monitor.Change{planned},
			want: []note{{"Stripe: maintenance planned", "Database upgrade (" + wantWhen + ")"}}},
		{name: "maintenance started is not news", changes: []monitor.Change{started}},
		{name: "maintenance planned, alerts off", cfg: monitor.AlertConfig{Maintenance: noYes(false)}, changes: []monitor.Change{planned}},
		{name: "several at once keep their order", changes: []monitor.Change{worse, planned},
			want: []note{{"Stripe: Major outage", "API errors — We are investigating elevated error rates."}, {"Stripe: maintenance planned", "Database upgrade (" + wantWhen + ")"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cfg.Decide(tt.changes)
			var notes []note
			for _, n := range got {
				notes = append(notes, note{n.Title, n.Body})
				if n.ServiceID != "stripe" {
					t.Errorf("ServiceID = %q, want stripe", n.ServiceID)
				}
			}
			if len(notes) != len(tt.want) {
				t.Fatalf("notifications = %q, want %q", notes, tt.want)
			}
			for i := range notes {
				if notes[i] != tt.want[i] {
					t.Errorf("notification %d = %q, want %q", i+1, notes[i], tt.want[i])
				}
			}
		})
	}
}

// TestDecideFromTracker runs whole stories through the tracker and the alert policy, so that the
// policy sees the changes the tracker really makes.
func TestDecideFromTracker(t *testing.T) {
	type step struct {
		min int
		s   monitor.State
		m   func(*monitor.Report)
	}
	tests := []struct {
		name  string
		cfg   monitor.AlertConfig
		steps []step
		want  []string // titles
	}{
		{name: "outage and recovery",
			steps: []step{{0, operational, nil}, {5, major, nil}, {17, operational, nil}},
			want:  []string{"Stripe: Major outage", "Stripe is back to normal"}},
		{name: "below min severity, start to end", cfg: monitor.AlertConfig{MinSeverity: sev(major)},
			steps: []step{{0, operational, nil}, {5, partial, nil}, {10, degraded, nil}, {17, operational, nil}}},
		{name: "notified peak, quieter end", cfg: monitor.AlertConfig{MinSeverity: sev(major)},
			steps: []step{{0, operational, nil}, {5, major, nil}, {10, partial, nil}, {17, operational, nil}},
			want:  []string{"Stripe: Major outage", "Stripe is back to normal"}},
		{name: "down at start-up, then recovers",
			steps: []step{{0, degraded, nil}, {17, operational, nil}},
			want:  []string{"Stripe is back to normal"}},
		{name: "maintenance planned notifies once",
			steps: []step{{0, operational, nil}, {1, operational, maint("m1", "Upgrade", false)}, {2, operational, maint("m1", "Upgrade", false)}, {3, operational, maint("m1", "Upgrade", false)}},
			want:  []string{"Stripe: maintenance planned"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pg := pageTarget("stripe")
			tr := monitor.NewTracker([]monitor.ServiceSpec{spec("stripe", "Stripe", pg)}, monitor.Thresholds{})
			var titles []string
			for _, st := range tt.steps {
				var extra []func(*monitor.Report)
				if st.m != nil {
					extra = append(extra, st.m)
				}
				for _, n := range tt.cfg.Decide(tr.Observe(pageSays(pg.Key(), at(st.min), st.s, extra...))) {
					titles = append(titles, n.Title)
				}
			}
			if strings.Join(titles, "|") != strings.Join(tt.want, "|") {
				t.Errorf("notifications = %q, want %q", titles, tt.want)
			}
		})
	}
}

func TestSanitize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"plain", "Card payments are slow", 0, "Card payments are slow"},
		{"markup", `<p>We are <a href="https://evil.example">investigating</a></p><p>Next update soon</p>`, 0, "We are investigating Next update soon"},
		{"script", "<script>alert(1)</script>Payouts delayed", 0, "alert(1) Payouts delayed"},
		{"tag across lines", "Before<div\nclass=\"x\">after", 0, "Before after"},
		{"entities", "Visa &amp; Mastercard &#8212; &quot;declines&quot;", 0, `Visa & Mastercard — "declines"`},
		{"encoded markup is markup", "&lt;b&gt;Outage&lt;/b&gt;", 0, "Outage"},
		{"control characters", "Line one\r\nLine two\tand\x00three\x1b[31m", 0, "Line one Line two and three [31m"},
		{"direction and zero-width characters", "pay\u202egnp.exe\u200b ok\u2066x\u2069", 0, "pay gnp.exe ok x"},
		{"whitespace collapsed", "  a \n\n  b  ", 0, "a b"},
		{"capped in runes", "Überweisungen verzögert", 10, "Überweisu…"},
		{"exactly the cap", "0123456789", 10, "0123456789"},
		{"no trailing space before the ellipsis", "one two three", 5, "one…"},
		{"empty", "", 10, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := monitor.Sanitize(tt.in, tt.max); got != tt.want {
				t.Errorf("Sanitize(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

func TestHumanDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0 seconds"},
		{time.Second, "1 second"},
		{45 * time.Second, "45 seconds"},
		{59*time.Second + 700*time.Millisecond, "1 minute"},
		{time.Minute, "1 minute"},
		{12 * time.Minute, "12 minutes"},
		{12*time.Minute + 20*time.Second, "12 minutes"},
		{59*time.Minute + 40*time.Second, "1 hour"},
		{time.Hour, "1 hour"},
		{2*time.Hour + 5*time.Minute, "2 hours 5 minutes"},
		{25*time.Hour + time.Minute, "25 hours 1 minute"},
		{48 * time.Hour, "2 days"},
		{80 * time.Hour, "3 days"},
	}
	for _, tt := range tests {
		t.Run(tt.d.String(), func(t *testing.T) {
			if got := monitor.HumanDuration(tt.d); got != tt.want {
				t.Errorf("HumanDuration(%v) = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}

func TestSourcesLine(t *testing.T) {
	page := func(s monitor.State) monitor.SourceStatus {
		return monitor.SourceStatus{Kind: "page", State: s, CheckedAt: at(0)}
	}
	probe := func(s monitor.State, verdict string) monitor.SourceStatus {
		return monitor.SourceStatus{Kind: "probe", State: s, Verdict: verdict, CheckedAt: at(0)}
	}
	unchecked := monitor.SourceStatus{Kind: "probe", State: unknown, Reason: "not checked yet"}
	tests := []struct {
		name string
		in   []monitor.SourceStatus
		want string
	}{
		{"none", nil, ""},
		{"page only", []monitor.SourceStatus{page(degraded)}, ""},
		{"page and probe", []monitor.SourceStatus{page(operational), probe(major, "failing")}, "Official status: operational · From your network: failing"},
		{"probe only", []monitor.SourceStatus{probe(operational, "reachable")}, "No official status page · From your network: reachable"},
		{"probe without a verdict", []monitor.SourceStatus{page(partial), probe(degraded, "")}, "Official status: partial outage · From your network: degraded"},
		{"several probes", []monitor.SourceStatus{probe(operational, "reachable"), probe(degraded, "slow")}, "No official status page · From your network: reachable, slow"},
		{"unchecked sources left out", []monitor.SourceStatus{page(operational), unchecked}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := monitor.SourcesLine(tt.in); got != tt.want {
				t.Errorf("SourcesLine = %q, want %q", got, tt.want)
			}
		})
	}
}
