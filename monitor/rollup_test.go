package monitor_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/paywatch/paywatch/monitor"
)

const (
	unknown     = monitor.StateUnknown
	operational = monitor.StateOperational
	maintenance = monitor.StateMaintenance
	degraded    = monitor.StateDegraded
	partial     = monitor.StatePartialOutage
	major       = monitor.StateMajorOutage
)

var allStates = []monitor.State{unknown, operational, maintenance, degraded, partial, major}

func comp(id, name, group string, s monitor.State) monitor.Component {
	return monitor.Component{ID: id, Name: name, Group: group, State: s}
}

// payPage is a typical payment provider's page: cards and payouts grouped, a dashboard alone.
func payPage(indicator monitor.State, states map[string]monitor.State) monitor.Report {
	st := func(name string) monitor.State {
		if s, ok := states[name]; ok {
			return s
		}
		return operational
	}
	return monitor.Report{
		PageName:  "Acme Pay",
		Indicator: indicator,
		Components: []monitor.Component{
			comp("c1", "Card payments", "Payments", st("Card payments")),
			comp("c2", "Bank transfers", "Payments", st("Bank transfers")),
			comp("c3", "Payouts", "Money out", st("Payouts")),
			comp("c4", "Dashboard", "", st("Dashboard")),
			comp("c5", "EU / Card acquiring", "Regions", st("EU / Card acquiring")),
		},
	}
}

func TestRollupWithoutFilter(t *testing.T) {
	tests := []struct {
		name string
		r    monitor.Report
		want monitor.State
	}{
		{name: "all operational", r: payPage(operational, nil), want: operational},
		{name: "indicator alone", r: payPage(degraded, nil), want: degraded},
		{name: "component worse than indicator", r: payPage(partial, map[string]monitor.State{"Payouts": major}), want: major},
		{name: "indicator worse than components", r: payPage(major, map[string]monitor.State{"Payouts": degraded}), want: major},
		{name: "incident worse than both",
			r:    withIncidents(payPage(degraded, map[string]monitor.State{"Payouts": degraded}), monitor.Incident{Title: "Payouts failing", Impact: major}),
			want: major},
		{name: "worst of several incidents",
			r:    withIncidents(payPage(operational, nil), monitor.Incident{Title: "a", Impact: degraded}, monitor.Incident{Title: "b", Impact: partial}),
			want: partial},
		{name: "no indicator and nothing wrong", r: payPage(unknown, nil), want: operational},
		{name: "no indicator, no components", r: monitor.Report{}, want: operational},
		{name: "unknown component ignored", r: payPage(operational, map[string]monitor.State{"Dashboard": unknown}), want: operational},
		{name: "maintenance in progress", r: withMaint(payPage(operational, nil), monitor.Maintenance{Title: "upgrade", InProgress: true}), want: maintenance},
		{name: "maintenance ahead does not count", r: withMaint(payPage(operational, nil), monitor.Maintenance{Title: "later"}), want: operational},
		{name: "maintenance never hides a worse component",
			r:    withMaint(payPage(maintenance, map[string]monitor.State{"Dashboard": maintenance, "Payouts": partial}), monitor.Maintenance{Title: "upgrade", InProgress: true}),
			want: partial},
		{name: "maintenance never hides a worse incident",
			r:    withIncidents(withMaint(payPage(maintenance, nil), monitor.Maintenance{InProgress: true}), monitor.Incident{Impact: degraded}),
			want: degraded},
		{name: "indicator maintenance with a degraded component", r: payPage(maintenance, map[string]monitor.State{"Card payments": degraded}), want: degraded},
		{name: "under_maintenance component beats operational", r: payPage(operational, map[string]monitor.State{"Dashboard": maintenance}), want: maintenance},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, comps, reason := monitor.Rollup(tt.r, monitor.ComponentFilter{})
			if got != tt.want {
				t.Errorf("Rollup = %v, want %v", got, tt.want)
			}
			if reason != "" {
				t.Errorf("reason = %q, want none", reason)
			}
			for _, c := range comps {
				if c.Filtered {
					t.Errorf("component %q marked Filtered with no filter", c.Name)
				}
			}
		})
	}
}

func withIncidents(r monitor.Report, in ...monitor.Incident) monitor.Report {
	r.Incidents = append(r.Incidents, in...)
	return r
}

func withMaint(r monitor.Report, m ...monitor.Maintenance) monitor.Report {
	r.Maintenances = append(r.Maintenances, m...)
	return r
}

func TestRollupWithFilter(t *testing.T) {
	cardsDown := map[string]monitor.State{"Card payments": major}
	payoutsDown := map[string]monitor.State{"Payouts": major}
	tests := []struct {
		name       string
		r          monitor.Report
		f          monitor.ComponentFilter
		want       monitor.State
		wantReason string
		wantKept   []string
	}{
		{name: "include by exact name", r: payPage(operational, cardsDown),
			f: monitor.ComponentFilter{Include: []string{"Card payments"}}, want: major, wantKept: []string{"Card payments"}},
		{name: "include is case-insensitive", r: payPage(operational, cardsDown),
			f: monitor.ComponentFilter{Include: []string{"  CARD PAYMENTS "}}, want: major, wantKept: []string{"Card payments"}},
		{name: "include by wildcard", r: payPage(operational, cardsDown),
			f: monitor.ComponentFilter{Include: []string{"card*"}}, want: major, wantKept: []string{"Card payments"}},
		{name: "wildcard across a slash", r: payPage(operational, map[string]monitor.State{"EU / Card acquiring": partial}),
			f: monitor.ComponentFilter{Include: []string{"eu*"}}, want: partial, wantKept: []string{"EU / Card acquiring"}},
		{name: "include by group name", r: payPage(operational, map[string]monitor.State{"Bank transfers": degraded}),
			f: monitor.ComponentFilter{Include: []string{"payments"}}, want: degraded, wantKept: []string{"Card payments", "Bank transfers"}},
		{name: "problem outside the filter is ignored", r: payPage(major, payoutsDown),
			f: monitor.ComponentFilter{Include: []string{"Card payments"}}, want: operational, wantKept: []string{"Card payments"}},
		{name: "page indicator no longer counts", r: payPage(major, nil),
			f: monitor.ComponentFilter{Include: []string{"Dashboard"}}, want: operational, wantKept: []string{"Dashboard"}},
		{name: "exclude only", r: payPage(operational, payoutsDown),
			f: monitor.ComponentFilter{Exclude: []string{"payouts"}}, want: operational,
			wantKept: []string{"Card payments", "Bank transfers", "Dashboard", "EU / Card acquiring"}},
		{name: "exclude beats include", r: payPage(operational, cardsDown),
			f: monitor.ComponentFilter{Include: []string{"Payments"}, Exclude: []string{"card*"}}, want: operational, wantKept: []string{"Bank transfers"}},
		{name: "incident touching a kept component by id",
			r: withIncidents(payPage(operational, nil), monitor.Incident{Title: "cards", Impact: partial, Components: []string{"c1"}}),
			f: monitor.ComponentFilter{Include: []string{"Card payments"}}, want: partial, wantKept: []string{"Card payments"}},
		{name: "incident touching a kept component by name",
			r: withIncidents(payPage(operational, nil), monitor.Incident{Title: "cards", Impact: partial, Components: []string{"card payments"}}),
			f: monitor.ComponentFilter{Include: []string{"Card payments"}}, want: partial, wantKept: []string{"Card payments"}},
		{name: "incident elsewhere ignored",
			r: withIncidents(payPage(operational, nil), monitor.Incident{Title: "payouts", Impact: major, Components: []string{"c3", "Payouts"}}),
			f: monitor.ComponentFilter{Include: []string{"Card payments"}}, want: operational, wantKept: []string{"Card payments"}},
		{name: "incident without components ignored",
			r: withIncidents(payPage(operational, nil), monitor.Incident{Title: "something", Impact: major}),
			f: monitor.ComponentFilter{Include: []string{"Card payments"}}, want: operational, wantKept: []string{"Card payments"}},
		{name: "maintenance touching a kept component",
			r: withMaint(payPage(operational, nil), monitor.Maintenance{InProgress: true, Components: []string{"c4"}}),
			f: monitor.ComponentFilter{Include: []string{"Dashboard"}}, want: maintenance, wantKept: []string{"Dashboard"}},
		{name: "maintenance elsewhere ignored",
			r: withMaint(payPage(operational, nil), monitor.Maintenance{InProgress: true, Components: []string{"c3"}}),
			f: monitor.ComponentFilter{Include: []string{"Dashboard"}}, want: operational, wantKept: []string{"Dashboard"}},
		{name: "no kept component", r: payPage(major, cardsDown),
			f: monitor.ComponentFilter{Include: []string{"Crypto"}}, want: unknown,
			wantReason: "none of the components you chose are listed on this status page"},
		{name: "page without components: incidents decide",
			r: monitor.Report{Indicator: degraded, Incidents: []monitor.Incident{{Impact: partial}}},
			f: monitor.ComponentFilter{Include: []string{"Card payments"}}, want: partial},
		{name: "page without components, nothing open",
			r: monitor.Report{Indicator: major},
			f: monitor.ComponentFilter{Include: []string{"Card payments"}}, want: operational},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := slices.Clone(tt.r.Components)
			got, comps, reason := monitor.Rollup(tt.r, tt.f)
			if got != tt.want {
				t.Errorf("Rollup = %v, want %v", got, tt.want)
			}
			if reason != tt.wantReason {
				t.Errorf("reason = %q, want %q", reason, tt.wantReason)
			}
			var kept []string
			for _, c := range comps {
				if !c.Filtered {
					kept = append(kept, c.Name)
				}
			}
			if tt.wantReason == "" && !slices.Equal(kept, tt.wantKept) {
				t.Errorf("kept = %q, want %q", kept, tt.wantKept)
			}
			if !slices.Equal(tt.r.Components, before) {
				t.Error("Rollup changed the report's components")
			}
		})
	}
}

func TestComponentFilterActive(t *testing.T) {
	tests := []struct {
		name string
		f    monitor.ComponentFilter
		want bool
	}{
		{"zero", monitor.ComponentFilter{}, false},
		{"empty lists", monitor.ComponentFilter{Include: []string{}, Exclude: []string{}}, false},
		{"include", monitor.ComponentFilter{Include: []string{"a"}}, true},
		{"exclude", monitor.ComponentFilter{Exclude: []string{"a"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.Active(); got != tt.want {
				t.Errorf("Active = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWorst(t *testing.T) {
	tests := []struct {
		name string
		in   []monitor.State
		want monitor.State
	}{
		{"none", nil, operational},
		{"one", []monitor.State{degraded}, degraded},
		{"unknown beats operational", []monitor.State{operational, unknown}, unknown},
		{"maintenance beats unknown", []monitor.State{unknown, maintenance}, maintenance},
		{"degraded beats maintenance", []monitor.State{maintenance, degraded}, degraded},
		{"order does not matter", []monitor.State{major, degraded, partial}, major},
		{"all", allStates, major},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := monitor.Worst(tt.in...); got != tt.want {
				t.Errorf("Worst(%v) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestStateOrder(t *testing.T) {
	// Least to most severe: unknown sits just above operational and below every real signal.
	order := []monitor.State{operational, unknown, maintenance, degraded, partial, major}
	for i, a := range order {
		for j, b := range order {
			if got, want := a.Worse(b), i > j; got != want {
				t.Errorf("%v.Worse(%v) = %v, want %v", a, b, got, want)
			}
		}
	}
	predicates := []struct {
		s                   monitor.State
		isProblem, isOutage bool
	}{
		{unknown, false, false}, {operational, false, false}, {maintenance, false, false},
		{degraded, true, false}, {partial, true, true}, {major, true, true},
	}
	for _, p := range predicates {
		if got := p.s.IsProblem(); got != p.isProblem {
			t.Errorf("%v.IsProblem() = %v, want %v", p.s, got, p.isProblem)
		}
		if got := p.s.IsOutage(); got != p.isOutage {
			t.Errorf("%v.IsOutage() = %v, want %v", p.s, got, p.isOutage)
		}
	}
}

func TestStateText(t *testing.T) {
	tests := []struct {
		s           monitor.State
		name, label string
	}{
		{unknown, "unknown", "Unknown"},
		{operational, "operational", "Operational"},
		{maintenance, "maintenance", "Maintenance"},
		{degraded, "degraded", "Degraded"},
		{partial, "partial_outage", "Partial outage"},
		{major, "major_outage", "Major outage"},
		{monitor.State(42), "state(42)", "Unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.String(); got != tt.name {
				t.Errorf("String = %q, want %q", got, tt.name)
			}
			if got := tt.s.Label(); got != tt.label {
				t.Errorf("Label = %q, want %q", got, tt.label)
			}
		})
	}
}

func TestParseState(t *testing.T) {
	tests := []struct {
		in      string
		want    monitor.State
		wantErr bool
	}{
		{in: "major_outage", want: major},
		{in: "Partial outage", want: partial},
		{in: " partial-outage ", want: partial},
		{in: "DEGRADED", want: degraded},
		{in: "unknown", want: unknown},
		{in: "down", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := monitor.ParseState(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseState(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseState(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestStateTextRoundTrip(t *testing.T) {
	for _, s := range allStates {
		t.Run(s.String(), func(t *testing.T) {
			b, err := s.MarshalText()
			if err != nil {
				t.Fatal(err)
			}
			var got monitor.State = 42
			if err := got.UnmarshalText(b); err != nil {
				t.Fatalf("UnmarshalText(%q): %v", b, err)
			}
			if got != s {
				t.Errorf("round trip of %v gave %v", s, got)
			}
			j, err := json.Marshal(map[string]monitor.State{"s": s})
			if err != nil {
				t.Fatal(err)
			}
			if want := `{"s":"` + s.String() + `"}`; string(j) != want {
				t.Errorf("JSON = %s, want %s", j, want)
			}
		})
	}
	var s monitor.State = degraded
	if err := s.UnmarshalText([]byte("on fire")); err == nil || s != degraded {
		t.Errorf("UnmarshalText(on fire) = %v, state %v; want an error and no change", err, s)
	}
}
