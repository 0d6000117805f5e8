package monitor

import (
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"
)

// The gate is tested without goroutines or clocks: each case is a script of events at times
// after t0, fed to the gate in order, and what it released, held and showed at the end.

var gateT0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// Two services: a status page on the internet (its answers prove the machine online) and a
// website probe on this machine (they never do).
var (
	gateBank = Target{ServiceID: "bank", SourceID: "page", Kind: KindPage, Platform: "statuspage",
		URL: "https://status.bank.example", Interval: time.Minute}
	gateVisa = Target{ServiceID: "visa", SourceID: "probe:127.0.0.1", Kind: KindProbe, Platform: "probe",
		URL: "http://127.0.0.1:9/", Interval: time.Minute}
)

func newTestGate(checksNet bool) *gate {
	specs := []ServiceSpec{
		{ID: "bank", Name: "Northwind Bank", URL: gateBank.URL, Targets: []Target{gateBank}},
		{ID: "visa", Name: "Visa", URL: gateVisa.URL, Targets: []Target{gateVisa}},
	}
	// One failed or good probe is enough, so that each event below is one change.
	tr := NewTracker(specs, Thresholds{ProbeFailures: 1, ProbeSuccesses: 1})
	return newGate(tr, NewPolicy(AlertConfig{}, nil, time.UTC), NewPolicyState(), slog.New(slog.DiscardHandler), gateConfig{
		Targets: []Target{gateBank, gateVisa}, ChecksNet: checksNet, NetInterval: time.Minute, SleepTick: 15 * time.Second})
}

// gateEvent is one event of a script: what happens, and when (after t0). lead is how far the
// wall clock has run ahead of this process's clock (by sleeping).
type gateEvent struct {
	at time.Duration
	do func(g *gate, now time.Time, lead *time.Duration) step
}

// obsAt makes an observation at now.
type obsAt func(now time.Time) Observation

func pageSays(s State) obsAt {
	return func(now time.Time) Observation {
		return Observation{Target: gateBank.Key(), At: now, Report: Report{PageName: "Northwind Bank", Indicator: s}}
	}
}

func probeOK(now time.Time) Observation {
	return Observation{Target: gateVisa.Key(), At: now, Report: Report{Probe: &ProbeResult{StatusCode: 200, State: StateOperational, Verdict: "reachable"}}}
}

func probeFails(now time.Time) Observation {
	return Observation{Target: gateVisa.Key(), At: now, Err: errors.New("connection refused")}
}

func batch(at time.Duration, os ...obsAt) gateEvent {
	return gateEvent{at, func(g *gate, now time.Time, _ *time.Duration) step {
		var b []Observation
		for _, o := range os {
			b = append(b, o(now))
		}
		return g.OnBatch(b, now)
	}}
}

// netAt is a connectivity result made at the given time (after t0), arriving at `at`.
func netAt(at, made time.Duration, st NetState) gateEvent {
	st.At = gateT0.Add(made)
	return gateEvent{at, func(g *gate, now time.Time, _ *time.Duration) step { return g.OnNet(st, now) }}
}

var (
	online  = NetState{Online: true}
	noNet   = NetState{Reason: "You appear to be offline"}
	portal  = NetState{CaptivePortal: true, Reason: "A Wi-Fi sign-in page is in the way"}
	timerAt = func(at time.Duration) gateEvent {
		return gateEvent{at, func(g *gate, now time.Time, _ *time.Duration) step { return g.OnTimer(now) }}
	}
)

func netNow(at time.Duration, st NetState) gateEvent { return netAt(at, at, st) }

// wallTick is the sleep tick at `at`, the machine having slept for `slept` since the last one
// (the wall clock runs on in sleep, this process's clock does not). The gap is measured from the
// last tick, or the start: a tick long after either is a sleep, however long `slept` is.
func wallTick(at, slept time.Duration) gateEvent {
	return gateEvent{at, func(g *gate, now time.Time, lead *time.Duration) step {
		*lead += slept
		return g.OnWallTick(now.Add(*lead), now)
	}}
}

// gateRun is what a script gave.
type gateRun struct {
	titles []string // every notification, in order
	last   step     // the last event's step
	snap   Snapshot // at the end
}

func runGate(t *testing.T, g *gate, events []gateEvent) gateRun {
	t.Helper()
	var r gateRun
	var lead time.Duration
	g.Start(gateT0, gateT0)
	for _, e := range events {
		now := gateT0.Add(e.at)
		s := e.do(g, now, &lead)
		if s.Update != nil {
			for _, n := range s.Update.Notifications {
				r.titles = append(r.titles, n.Title)
			}
		}
		r.last = s
	}
	end := gateT0
	if len(events) > 0 {
		end = end.Add(events[len(events)-1].at)
	}
	r.snap = g.update(nil, nil, end).Snapshot
	return r
}

func TestGate(t *testing.T) {
	const s = time.Second
	const m = time.Minute
	baseline := []gateEvent{netNow(0, online), batch(1*s, pageSays(StateOperational), probeOK)}
	script := func(es ...gateEvent) []gateEvent { return append(slices.Clone(baseline), es...) }
	storm := StormWindow + s // long enough for a notification to leave the storm window
	tests := []struct {
		name      string
		noChecks  bool // no connectivity checks run
		events    []gateEvent
		want      []string // notification titles
		offline   bool
		held      int
		visa      State // Visa's state at the end (the probe)
		bank      State // Northwind Bank's
		stale     bool  // Visa's state is marked stale
		checkNet  bool  // the last event asks for a connectivity check
		checkNow  bool  // the last event asks for a round of checks
		saveState bool  // the last event changed the policy's state
	}{
		{name: "no connectivity checks: a failure goes to the policy at once", noChecks: true,
			events: []gateEvent{batch(1*s, pageSays(StateOperational), probeOK), batch(5*m, probeFails), timerAt(5*m + storm)},
			want:   []string{"Visa: Major outage"}, visa: StateMajorOutage, bank: StateOperational, saveState: true},
		{name: "a failure long after the last check waits for a new one",
			events: script(batch(5*m, probeFails)),
			held:   1, visa: StateMajorOutage, bank: StateOperational, checkNet: true},
		{name: "the policy's tick does not release a held failure",
			events: script(batch(5*m, probeFails), timerAt(5*m+storm)),
			held:   1, visa: StateMajorOutage, bank: StateOperational, saveState: true},
		{name: "a check made after the failure releases it",
			events: script(batch(5*m, probeFails), netNow(5*m+2*s, online), timerAt(5*m+2*s+storm)),
			want:   []string{"Visa: Major outage"}, visa: StateMajorOutage, bank: StateOperational, saveState: true},
		{name: "a check made before the failure does not release it, even arriving after",
			events: script(batch(5*m, probeFails), netAt(5*m+2*s, 5*m-s, online), timerAt(5*m+2*s+storm)),
			held:   1, visa: StateMajorOutage, bank: StateOperational, saveState: true},
		{name: "what comes after a held change waits with it, in order",
			events: script(batch(5*m, probeFails), batch(5*m+s, pageSays(StateDegraded))),
			held:   2, visa: StateMajorOutage, bank: StateDegraded, checkNet: true},
		{name: "a held failure is dropped when the machine is offline, and never told",
			events: script(batch(5*m, probeFails), netNow(5*m+4*s, noNet), netNow(10*m, online), batch(10*m+s, probeOK), timerAt(10*m+s+storm)),
			visa:   StateOperational, bank: StateOperational, saveState: true},
		{name: "a failure within 30 s of a passed check is believed at once (recentNetCheck)",
			events: script(netNow(5*m, online), batch(5*m+30*s, probeFails)),
			visa:   StateMajorOutage, bank: StateOperational, checkNet: true, saveState: true},
		{name: "a failure 31 s after a passed check waits (recentNetCheck)",
			events: script(netNow(5*m, online), batch(5*m+31*s, probeFails)),
			held:   1, visa: StateMajorOutage, bank: StateOperational, checkNet: true},
		{name: "a good answer needs no check",
			events: script(batch(5*m, pageSays(StateDegraded)), timerAt(5*m+storm)),
			want:   []string{"Northwind Bank: Degraded"}, visa: StateOperational, bank: StateDegraded, saveState: true},
		{name: "offline: nothing is believed, the last known state stays, marked stale",
			events:  script(netNow(5*m, noNet), batch(5*m+s, probeFails), batch(5*m+2*s, probeFails), timerAt(5*m+2*s+storm)),
			offline: true, visa: StateOperational, bank: StateOperational, stale: true},
		{name: "offline, then back: the real state is believed, and told once",
			events: script(netNow(5*m, noNet), batch(5*m+s, probeFails), netNow(6*m, online), batch(6*m+s, probeFails), netNow(6*m+2*s, online), timerAt(6*m+2*s+storm)),
			want:   []string{"Visa: Major outage"}, visa: StateMajorOutage, bank: StateOperational, saveState: true},
		{name: "coming back online asks for a round of checks",
			events: script(netNow(5*m, noNet), netNow(6*m, online)),
			visa:   StateOperational, bank: StateOperational, stale: true, checkNow: true},
		{name: "a status page answering while offline means online",
			events: script(netNow(5*m, noNet), batch(5*m+s, pageSays(StateOperational))),
			visa:   StateOperational, bank: StateOperational, stale: true},
		{name: "failing canaries are not believed while a status page answered lately",
			events: script(batch(3*m, pageSays(StateOperational)), netNow(3*m+10*s, noNet)),
			visa:   StateOperational, bank: StateOperational},
		{name: "failing canaries are believed once the pages' answer is old (two intervals)",
			events:  script(batch(3*m, pageSays(StateOperational)), netNow(5*m, noNet)),
			offline: true, visa: StateOperational, bank: StateOperational, stale: true},
		{name: "a captive portal is believed even while the pages answer",
			events:  script(batch(3*m, pageSays(StateOperational)), netNow(3*m+10*s, portal)),
			offline: true, visa: StateOperational, bank: StateOperational, stale: true},
		{name: "a sleep asks for a connectivity check and a round of checks",
			events: script(wallTick(15*s, 3*time.Hour)),
			visa:   StateOperational, bank: StateOperational, checkNet: true, checkNow: true},
		{name: "after a sleep, one summary instead of each change",
			events: script(wallTick(15*s, 3*time.Hour), netNow(16*s, online), batch(17*s, pageSays(StateMajorOutage), probeFails), timerAt(17*s+storm)),
			want:   []string{"While you were away (3 hours)"}, visa: StateMajorOutage, bank: StateMajorOutage, saveState: true},
		{name: "the summary waits for every service to be checked again",
			events: script(wallTick(15*s, 3*time.Hour), netNow(16*s, online), batch(17*s, pageSays(StateMajorOutage)), timerAt(17*s+storm)),
			visa:   StateOperational, bank: StateMajorOutage},
		{name: "…but no longer than two minutes",
			events: script(wallTick(15*s, 3*time.Hour), netNow(16*s, online), batch(17*s, pageSays(StateMajorOutage)), batch(15*s+awayWait, pageSays(StateMajorOutage)), timerAt(15*s+awayWait+storm)),
			want:   []string{"While you were away (3 hours)"}, visa: StateOperational, bank: StateMajorOutage, saveState: true},
		{name: "the summary waits for a connectivity check made after waking up",
			events: script(wallTick(15*s, 3*time.Hour), batch(17*s, pageSays(StateMajorOutage), probeOK), timerAt(17*s+storm)),
			visa:   StateOperational, bank: StateMajorOutage},
		{name: "what was held before the sleep is part of the summary",
			events: script(batch(5*m, probeFails), wallTick(5*m+15*s, 3*time.Hour), netNow(5*m+16*s, online), batch(5*m+17*s, pageSays(StateOperational), probeFails), timerAt(5*m+17*s+storm)),
			want:   []string{"While you were away (3 hours 5 minutes)"}, visa: StateMajorOutage, bank: StateOperational, saveState: true},
		{name: "waking up offline: nothing is said until the connection is back, then one summary",
			events: script(netNow(3*m, noNet), wallTick(4*m, 3*time.Hour), batch(4*m+s, probeFails), timerAt(4*m+s+storm),
				netNow(5*m, online), batch(5*m+s, pageSays(StateOperational), probeFails), timerAt(5*m+s+storm)),
			want: []string{"While you were away (3 hours 4 minutes)"}, visa: StateMajorOutage, bank: StateOperational, saveState: true},
		{name: "the clock drifting is not sleep",
			events: script(wallTick(15*s, 50*s), batch(16*s, pageSays(StateMajorOutage)), timerAt(16*s+storm)),
			want:   []string{"Northwind Bank: Major outage"}, visa: StateOperational, bank: StateMajorOutage, saveState: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newTestGate(!tt.noChecks)
			got := runGate(t, g, tt.events)
			if !slices.Equal(got.titles, tt.want) {
				t.Errorf("notified %q, want %q", got.titles, tt.want)
			}
			if got.snap.Offline != tt.offline {
				t.Errorf("offline %v (%q), want %v", got.snap.Offline, got.snap.OfflineReason, tt.offline)
			}
			if len(g.held) != tt.held {
				t.Errorf("%d changes held, want %d", len(g.held), tt.held)
			}
			visa, bank := serviceOf(got.snap, "visa"), serviceOf(got.snap, "bank")
			if visa.State != tt.visa || bank.State != tt.bank {
				t.Errorf("Visa %v, Northwind Bank %v; want %v, %v", visa.State, bank.State, tt.visa, tt.bank)
			}
			if visa.Stale != tt.stale {
				t.Errorf("Visa stale %v, want %v", visa.Stale, tt.stale)
			}
			if l := got.last; l.CheckNet != tt.checkNet || l.CheckNow != tt.checkNow || l.Save != tt.saveState {
				t.Errorf("last step asks: check the network %v, check now %v, save %v; want %v, %v, %v",
					l.CheckNet, l.CheckNow, l.Save, tt.checkNet, tt.checkNow, tt.saveState)
			}
		})
	}
}

func serviceOf(s Snapshot, id string) ServiceStatus {
	for _, sv := range s.Services {
		if sv.ID == id {
			return sv
		}
	}
	return ServiceStatus{}
}

// TestGateTickAt: when the policy's timer is due after a script.
func TestGateTickAt(t *testing.T) {
	const s = time.Second
	const m = time.Minute
	snooze := func(at time.Duration, until time.Duration) gateEvent {
		return gateEvent{at, func(g *gate, now time.Time, _ *time.Duration) step {
			return g.OnCommands([]func(*PolicyState, Snapshot){func(st *PolicyState, _ Snapshot) { st.Snooze("", gateT0.Add(until)) }}, now)
		}}
	}
	tests := []struct {
		name   string
		events []gateEvent
		want   time.Duration // after t0
	}{
		{name: "at the start: within a minute", want: m},
		{name: "events do not put it off",
			events: []gateEvent{wallTick(15*s, 0), wallTick(30*s, 0), batch(40*s, probeOK), wallTick(45*s, 0)}, want: m},
		{name: "a change brings it to the end of its storm window",
			events: []gateEvent{batch(s, pageSays(StateOperational)), batch(10*s, pageSays(StateMajorOutage))}, want: 10*s + StormWindow},
		{name: "after a tick: within a minute of it",
			events: []gateEvent{timerAt(m)}, want: 2 * m},
		{name: "offline when due: a minute later",
			events: []gateEvent{netNow(30*s, noNet), timerAt(m)}, want: 2 * m},
		{name: "catching up after a sleep when due: a minute later",
			events: []gateEvent{wallTick(45*s, 3*time.Hour), timerAt(m)}, want: 2 * m},
		{name: "a snooze that ends sooner brings it forward",
			events: []gateEvent{snooze(10*s, 20*s)}, want: 20 * s},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newTestGate(true)
			runGate(t, g, tt.events)
			if got := g.TickAt().Sub(gateT0); got != tt.want {
				t.Errorf("due %v after the start, want %v", got, tt.want)
			}
		})
	}
}

// TestGateCommands: the user's commands are applied in order, saved, and shown.
func TestGateCommands(t *testing.T) {
	g := newTestGate(false)
	g.Start(gateT0, gateT0)
	until := gateT0.Add(time.Hour)
	s := g.OnCommands([]func(*PolicyState, Snapshot){
		func(st *PolicyState, _ Snapshot) { st.Snooze("bank", until) },
		func(st *PolicyState, _ Snapshot) { st.Snooze("visa", until) },
		func(st *PolicyState, _ Snapshot) { st.Unsnooze("bank") },
	}, gateT0.Add(time.Second))
	if !s.Save || s.Update == nil {
		t.Fatalf("step %+v, want the state saved and an update sent", s)
	}
	if got, want := s.Update.Alerts.Snoozed, map[string]time.Time{"visa": until}; len(got) != len(want) || !got["visa"].Equal(until) {
		t.Errorf("snoozed %v, want %v", got, want)
	}
}
