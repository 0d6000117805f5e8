package monitor_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// sinkRun drives a policy with the desktop and team channels, as the watcher does.
func sinkRun(t *testing.T, cfg monitor.AlertConfig, perService map[string]monitor.State, channels ...monitor.Sink) *policyRun {
	t.Helper()
	return &policyRun{t: t, p: monitor.NewPolicy(cfg, perService, zone, channels...), st: monitor.NewPolicyState(), now: noon}
}

// heard lists the titles a sink takes of what the policy sent.
func heard(s monitor.Sink, sent []monitor.Notification) []string {
	var out []string
	for _, n := range s.Filter(sent) {
		out = append(out, n.Title)
	}
	return out
}

func team(min monitor.State, services ...string) monitor.Sink {
	return monitor.ChannelSink(monitor.ChannelConfig{Name: "Team", MinSeverity: &min, Services: services})
}

// TestChannelMoreSensitiveThanDesktop: a team channel at degraded hears of a degradation and
// of its recovery while the desktop is set to major_outage, and the desktop hears of neither;
// both hear of a major outage and its end.
func TestChannelMoreSensitiveThanDesktop(t *testing.T) {
	ch := team(degraded)
	r := sinkRun(t, monitor.AlertConfig{MinSeverity: sev(major)}, nil, ch)
	desktop := r.p.Desktop()
	r.apply(noon, baselineAt(operational))
	r.apply(noon.Add(time.Minute), became(degraded))
	r.apply(noon.Add(10*time.Minute), became(operational))
	r.advance(noon.Add(20 * time.Minute))
	if got, want := heard(ch, r.sent), []string{"Stripe: Degraded", "Stripe is back to normal"}; !slices.Equal(got, want) {
		t.Errorf("channel heard %q, want %q", got, want)
	}
	if got := heard(desktop, r.sent); len(got) != 0 {
		t.Errorf("desktop at major_outage heard %q, want nothing", got)
	}

	r.apply(noon.Add(30*time.Minute), became(major))
	r.apply(noon.Add(40*time.Minute), became(operational))
	r.advance(noon.Add(50 * time.Minute))
	later := r.sent[2:]
	for name, s := range map[string]monitor.Sink{"channel": ch, "desktop": desktop} {
		if got, want := heard(s, later), []string{"Stripe: Major outage", "Stripe is back to normal"}; !slices.Equal(got, want) {
			t.Errorf("%s heard %q of the outage, want %q", name, got, want)
		}
	}

	// Without the channel, the desktop's threshold alone decides: nothing about a degradation.
	alone := newPolicyRun(t, monitor.AlertConfig{MinSeverity: sev(major)}, nil, nil, noon)
	alone.apply(noon, baselineAt(operational))
	alone.apply(noon.Add(time.Minute), became(degraded))
	alone.apply(noon.Add(10*time.Minute), became(operational))
	alone.advance(noon.Add(20 * time.Minute))
	if len(alone.sent) != 0 {
		t.Errorf("with no channel, sent %q, want nothing", alone.allTitles())
	}
}

// TestChannelForSomeServices: a channel's lower threshold counts only for its own services.
func TestChannelForSomeServices(t *testing.T) {
	ch := team(degraded, "Adyen")
	r := sinkRun(t, monitor.AlertConfig{}, map[string]monitor.State{"stripe": major, "adyen": major}, ch)
	r.apply(noon, baselineAt(operational), onService(baselineAt(operational), "adyen", "Adyen"))
	r.apply(noon.Add(time.Minute), became(degraded))
	r.apply(noon.Add(2*time.Minute), onService(became(degraded), "adyen", "Adyen"))
	r.advance(noon.Add(10 * time.Minute))
	if got, want := r.allTitles(), []string{"Adyen: Degraded"}; !slices.Equal(got, want) {
		t.Errorf("sent %q, want only Adyen's, the channel's service", got)
	}
	if got := heard(r.p.Desktop(), r.sent); len(got) != 0 {
		t.Errorf("desktop heard %q, want nothing", got)
	}
}

// TestStormSummaryPerSink: a storm summary is summed up again for a sink that wants only some
// of it, by the same rule: fewer than StormCount go out one by one, and what is below the
// sink's threshold is never in its summary.
func TestStormSummaryPerSink(t *testing.T) {
	names := []string{"Adyen", "Braintree", "Checkout", "Dwolla", "Elavon"}
	tests := []struct {
		name        string
		to          []monitor.State
		wantDesktop []string
	}{
		{"one outage among degradations goes alone", []monitor.State{degraded, degraded, major, degraded, degraded}, []string{"Checkout: Major outage"}},
		{"three outages are a summary of three", []monitor.State{major, degraded, major, major, degraded}, []string{"Paywatch: 3 changes at once"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := team(degraded)
			r := sinkRun(t, monitor.AlertConfig{MinSeverity: sev(major)}, nil, ch)
			var base, bad []monitor.Change
			for i, n := range names {
				id := strings.ToLower(n)
				base = append(base, onService(baselineAt(operational), id, n))
				bad = append(bad, onService(became(tt.to[i]), id, n))
			}
			r.apply(noon, base...)
			r.apply(noon.Add(time.Minute), bad...)
			r.advance(noon.Add(2 * time.Minute))
			if got, want := heard(ch, r.sent), []string{"Paywatch: 5 changes at once"}; !slices.Equal(got, want) {
				t.Errorf("channel heard %q, want %q", got, want)
			}
			got := r.p.Desktop().Filter(r.sent)
			var titles []string
			for _, n := range got {
				titles = append(titles, n.Title)
				if strings.Contains(n.Body, "Degraded") {
					t.Errorf("desktop summary shows a degradation below its threshold:\n%s", n.Body)
				}
				if n.Severity != major {
					t.Errorf("desktop notification %q has severity %v, want major_outage", n.Title, n.Severity)
				}
			}
			if !slices.Equal(titles, tt.wantDesktop) {
				t.Errorf("desktop heard %q, want %q", titles, tt.wantDesktop)
			}
		})
	}
}

// TestAwaySummaryPerSink: "While you were away" shows each sink only the services at or above
// its threshold, and none at all when nothing is.
func TestAwaySummaryPerSink(t *testing.T) {
	ch := team(degraded)
	p := monitor.NewPolicy(monitor.AlertConfig{MinSeverity: sev(major)}, nil, zone, ch)
	st := monitor.NewPolicyState()
	gapStart, gapEnd := noon, noon.Add(3*time.Hour)
	svc := func(id, name string, s monitor.State) monitor.ServiceStatus {
		return monitor.ServiceStatus{ID: id, Name: name, State: s}
	}
	p.Apply(st, []monitor.Change{baselineAt(operational), onService(baselineAt(operational), "adyen", "Adyen")}, gapStart)
	changes := []monitor.Change{
		{Kind: monitor.ChangeState, ServiceID: "stripe", Name: "Stripe", From: operational, To: degraded, At: gapStart.Add(time.Hour)},
		{Kind: monitor.ChangeState, ServiceID: "adyen", Name: "Adyen", From: operational, To: major, At: gapStart.Add(time.Hour)},
	}
	snap := monitor.Snapshot{Services: []monitor.ServiceStatus{svc("stripe", "Stripe", degraded), svc("adyen", "Adyen", major)}}
	sent := p.Away(st, gapStart, gapEnd, changes, snap, gapEnd)
	sent = append(sent, p.Tick(st, snap, gapEnd.Add(time.Minute))...)
	if len(sent) != 1 {
		t.Fatalf("sent %d notifications, want one summary", len(sent))
	}
	if got := ch.Filter(sent); len(got) != 1 || got[0].Body != "Stripe: degraded.\nAdyen: major outage." {
		t.Errorf("channel heard %+v, want both services", got)
	}
	got := p.Desktop().Filter(sent)
	if len(got) != 1 || !strings.HasPrefix(got[0].Title, "While you were away") || got[0].Body != "Adyen: major outage." || got[0].Severity != major {
		t.Errorf("desktop heard %+v, want the summary with Adyen's outage alone", got)
	}
	changes = changes[:1] // only Stripe's degradation
	if got := p.Desktop().Filter(p.Away(monitor.NewPolicyState(), gapStart, gapEnd, changes, snap, gapEnd)); len(got) != 0 {
		t.Errorf("desktop heard %+v of a degradation below its threshold, want nothing", got)
	}
}

// TestHeldSummaryPerSink: what quiet hours held is summed up per sink; a sink that wants one
// of it gets that one as it was.
func TestHeldSummaryPerSink(t *testing.T) {
	ch := team(degraded)
	r := sinkRun(t, monitor.AlertConfig{MinSeverity: sev(partial), QuietHours: &monitor.TimeWindow{From: "22:00", To: "07:00"}, QuietMinSeverity: sev(major)}, nil, ch)
	night := local(10, 23, 0)
	r.apply(night, baselineAt(operational), onService(baselineAt(operational), "adyen", "Adyen"))
	r.apply(night.Add(time.Hour), became(degraded))
	r.apply(night.Add(2*time.Hour), onService(became(partial), "adyen", "Adyen"))
	r.advance(local(11, 7, 30))
	if got, want := heard(ch, r.sent), []string{"Paywatch: 2 notifications held during quiet hours"}; !slices.Equal(got, want) {
		t.Errorf("channel heard %q, want %q", got, want)
	}
	if got, want := heard(r.p.Desktop(), r.sent), []string{"Adyen: Partial outage"}; !slices.Equal(got, want) {
		t.Errorf("desktop heard %q, want %q", got, want)
	}
}

// TestPlannedWorkPerSink: a channel at min_severity maintenance hears of planned work on a
// service whose desktop threshold is an outage; the desktop does not.
func TestPlannedWorkPerSink(t *testing.T) {
	ch := team(maintenance)
	r := sinkRun(t, monitor.AlertConfig{}, map[string]monitor.State{"stripe": partial}, ch)
	start := local(12, 12, 0)
	r.apply(local(12, 10, 0), baselineAt(operational))
	planMaintenance(monitor.Maintenance{ID: "m1", Title: "Database upgrade", StartsAt: start, EndsAt: start.Add(time.Hour)})(r)
	r.advance(local(12, 11, 30))
	if got, want := heard(ch, r.sent), []string{"Stripe: maintenance in 1 hour 59 minutes", "Stripe: maintenance in 1 hour"}; !slices.Equal(got, want) {
		t.Errorf("channel heard %q, want %q", got, want)
	}
	if got := heard(r.p.Desktop(), r.sent); len(got) != 0 {
		t.Errorf("desktop heard %q, want nothing (its threshold for the service is an outage)", got)
	}
}
