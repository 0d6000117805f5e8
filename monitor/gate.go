package monitor

import (
	"log/slog"
	"time"
)

// The gate's rules, each in one place.
const (
	// recentNetCheck: a failure seen within this long of a connectivity check that passed is
	// believed at once; older than that, it waits for a new check first (see trustFailures).
	recentNetCheck = 30 * time.Second
	// sleepGap: the wall clock running this much further than the sleep tick means the machine
	// slept (see OnWallTick).
	sleepGap = time.Minute
	// awayWait is how long the summary after a sleep waits for every target to be checked again.
	awayWait = 2 * time.Minute
	// offlineRetick is how soon the policy's timer is looked at again when it fell due while
	// nothing may be said (offline, or catching up after a sleep).
	offlineRetick = time.Minute
)

// gate decides what the watcher believes and when the alert policy hears of it: nothing while
// the machine is offline; failures only once a connectivity check confirms the internet works;
// status pages that answer outweigh connectivity checks that fail; after a sleep, one "While
// you were away" summary instead of a burst. It owns the tracker and the policy's state, starts
// no goroutines and reads no clock: every event comes with its time, and each returns a step
// that says what the watcher must do.
type gate struct {
	tracker *Tracker
	policy  *Policy
	state   *PolicyState
	log     *slog.Logger

	targets []Target
	urls    map[string]string // target key → URL, for provesOnline
	// checksNet is false when no connectivity checks run: the machine then always counts as
	// online, and every check is as good as confirmed.
	checksNet bool
	sleepTick time.Duration
	// A proof is fresh for two of the slower of the connectivity interval and the quickest
	// public target's interval (the soonest another proof can come).
	proofWindow time.Duration

	net      NetState
	netKnown bool
	// Changes seen with failures wait for a connectivity check before the policy hears of them:
	// if the machine turns out to be offline they are dropped, and nothing was "told". heldAt is
	// when the first of them was held: only a check made after it releases them.
	held   []Change
	heldAt time.Time
	// lastProof is when a real (not loopback) page last answered; canariesBlocked is set while
	// that outweighs failing canaries.
	lastProof       time.Time
	canariesBlocked bool
	away            *away
	lastWall        time.Time
	tickAt          time.Time // when OnTimer is next due
}

// away collects what happens after the machine wakes up, for one summary.
type away struct {
	start, end time.Time // by the wall clock, for the summary's words
	woke       time.Time // by this process's clock, to compare with connectivity checks
	pending    map[string]bool
	changes    []Change
	deadline   time.Time
}

// gateConfig is what a gate needs besides the tracker and the policy.
type gateConfig struct {
	Targets     []Target
	ChecksNet   bool          // connectivity checks run (OnNet will be called)
	NetInterval time.Duration // how often they run while nothing fails
	SleepTick   time.Duration // how often OnWallTick is called
}

// step is what the watcher must do after an event, in this order: save the policy's state,
// ask for a connectivity check, ask for a round of checks, send the update.
type step struct {
	Save     bool
	CheckNet bool
	CheckNow bool
	Update   *Update // nil: nothing to send
}

func newGate(tr *Tracker, p *Policy, st *PolicyState, log *slog.Logger, c gateConfig) *gate {
	g := &gate{tracker: tr, policy: p, state: st, log: log, targets: c.Targets, urls: map[string]string{},
		checksNet: c.ChecksNet, sleepTick: c.SleepTick, net: NetState{Online: true}, netKnown: !c.ChecksNet}
	var quickest time.Duration // among targets that are not on this machine
	for _, t := range c.Targets {
		g.urls[t.Key()] = t.URL
		if !IsLoopback(t.URL) && (quickest == 0 || t.Interval < quickest) {
			quickest = t.Interval
		}
	}
	g.proofWindow = 2 * max(c.NetInterval, quickest)
	return g
}

// Start gives the first update, before anything was checked. wall is the wall clock's reading,
// now this process's clock (as for every event).
func (g *gate) Start(wall, now time.Time) step {
	g.lastWall = wall
	g.tickAt = g.policy.NextDue(g.state, now)
	return step{Update: g.update(nil, nil, now)}
}

// TickAt is when OnTimer is next due.
func (g *gate) TickAt() time.Time { return g.tickAt }

// rearm brings the policy's timer forward if the policy wants a tick sooner. It never puts it
// off: NextDue says "within a minute" when nothing is pending, and taking that from every event
// (a sleep tick comes every 15 s) would put the tick off for ever, and with it reminders, the end
// of quiet hours and notice of maintenance.
func (g *gate) rearm(now time.Time) {
	if due := g.policy.NextDue(g.state, now); due.Before(g.tickAt) {
		g.tickAt = due
	}
}

// OnCommands applies the user's commands (snooze, resume, acknowledge) in order.
func (g *gate) OnCommands(cmds []func(*PolicyState, Snapshot), now time.Time) step {
	for _, f := range cmds {
		f(g.state, g.tracker.Snapshot(now))
	}
	g.rearm(now) // a snooze may end before the next tick
	return step{Save: true, Update: g.update(nil, nil, now)}
}

// OnTimer runs the policy's tick once it is due. Nothing is said while offline or catching up
// after a sleep; what waits goes out once that ends.
func (g *gate) OnTimer(now time.Time) step {
	if !g.net.Online || g.away != nil {
		// Look again later rather than spin on a due time that cannot be served.
		g.tickAt = now.Add(offlineRetick)
		return step{}
	}
	notes := g.policy.Tick(g.state, g.tracker.Snapshot(now), now)
	g.tickAt = g.policy.NextDue(g.state, now)
	s := step{Save: true}
	if len(notes) > 0 {
		s.Update = g.update(nil, notes, now)
	}
	return s
}

// OnWallTick compares the wall clock with its last reading: a jump well past the tick means the
// machine slept. Then every target is checked again, and what they show, with what was held
// just before the sleep, becomes one summary.
func (g *gate) OnWallTick(wall, now time.Time) step {
	var s step
	if gap := wall.Sub(g.lastWall); gap > g.sleepTick+sleepGap {
		g.log.Info("woke up from sleep", "gap", gap.String())
		g.away = &away{start: g.lastWall, end: wall, woke: now, deadline: now.Add(awayWait)}
		g.expectAll()
		g.away.changes, g.held = g.held, nil // seen just before sleeping: part of the summary
		s.CheckNet, s.CheckNow = g.checksNet, true
	}
	g.lastWall = wall
	notes, saved := g.finishAway(now)
	s.Save = saved
	g.rearm(now) // the summary may wait for its storm window
	if len(notes) > 0 {
		s.Update = g.update(nil, notes, now)
	}
	return s
}

// expectAll makes the summary after a sleep wait for every target to be checked again.
func (g *gate) expectAll() {
	g.away.pending = map[string]bool{}
	for _, t := range g.targets {
		g.away.pending[t.Key()] = true
	}
}

// OnNet takes the result of a connectivity check.
func (g *gate) OnNet(st NetState, now time.Time) step {
	var s step
	if g.canariesBlockedBy(st) {
		// Every canary fails, yet real status pages answered a moment ago: the canaries are
		// blocked here (an office firewall), the internet is not gone. Believing them would flip
		// the tray to offline and back with every check.
		if !g.canariesBlocked {
			g.log.Warn("connectivity checks fail while status pages answer; trusting the status pages", "reason", st.Reason)
			g.canariesBlocked = true
		}
		st = NetState{Online: true, At: st.At}
	} else if st.Online {
		g.canariesBlocked = false
	}
	wasOnline := g.net.Online
	g.net, g.netKnown = st, true
	switch {
	case !st.Online:
		g.tracker.MarkAllStale("not refreshed: " + st.Reason)
		g.held = nil
	case !wasOnline:
		g.log.Info("back online")
		s.CheckNow = true
		if g.away != nil {
			// Woke up offline: what happened is only seen now, so wait for it again.
			g.away.deadline = now.Add(awayWait)
			g.expectAll()
		}
	}
	var notes []Notification
	if st.Online && len(g.held) > 0 && !st.At.Before(g.heldAt) {
		notes, g.held = g.policy.Apply(g.state, g.held, now), nil
		s.Save = true
	}
	more, saved := g.finishAway(now)
	s.Save = s.Save || saved
	notes = append(notes, more...)
	// A storm that is over goes out with this update rather than at the next tick.
	notes = append(notes, g.policy.Apply(g.state, nil, now)...)
	g.rearm(now)
	s.Update = g.update(nil, notes, now)
	return s
}

// canariesBlockedBy reports whether a failed connectivity check is outweighed by a real status
// page that answered within the proof window. A captive portal is never outweighed.
func (g *gate) canariesBlockedBy(st NetState) bool {
	return !st.Online && !st.CaptivePortal && !g.lastProof.IsZero() && st.At.Sub(g.lastProof) < g.proofWindow
}

// OnBatch takes observations that arrived together, so the desktop redraws once.
func (g *gate) OnBatch(batch []Observation, now time.Time) step {
	var s step
	var changes []Change
	failed := false
	for _, o := range batch {
		if provesOnline(o, g.urls[o.Target]) {
			g.lastProof = o.At
			if !g.net.Online {
				// A real page answered: the internet works even if the canaries do not.
				g.net, g.netKnown = NetState{Online: true, At: o.At}, true
			}
		}
		if !g.net.Online {
			continue // believe nothing while offline; the last known states stay, marked stale
		}
		if probeFailed(o) {
			failed = true
		}
		cs := g.tracker.Observe(o)
		if g.away != nil {
			delete(g.away.pending, o.Target)
			g.away.changes = append(g.away.changes, cs...)
			continue
		}
		changes = append(changes, cs...)
	}
	g.logChanges(changes)
	var notes []Notification
	if len(changes) > 0 && (len(g.held) > 0 || failed && !g.trustFailures(now)) {
		// Say nothing about failures until we know the internet itself works; what comes after
		// them waits too, so the policy hears every change in order.
		if len(g.held) == 0 {
			g.heldAt = now
		}
		g.held = append(g.held, changes...)
		s.CheckNet = g.checksNet
	} else {
		s.CheckNet = failed && g.checksNet
		notes = g.policy.Apply(g.state, changes, now)
		s.Save = len(changes) > 0
	}
	if g.away != nil && len(batch) > 0 {
		more, saved := g.finishAway(now)
		notes = append(notes, more...)
		s.Save = s.Save || saved
	}
	g.rearm(now)
	s.Update = g.update(changes, notes, now)
	return s
}

// trustFailures is the rule for failures: they are believed at once only when a connectivity
// check passed within recentNetCheck; otherwise they wait for the next check. (A check that
// passed just before the network dropped makes the failures it causes believed: a known cause
// of false alarms.)
func (g *gate) trustFailures(now time.Time) bool {
	return g.confirmedSince(now.Add(-recentNetCheck))
}

// confirmedSince reports whether connectivity was confirmed at t or later.
func (g *gate) confirmedSince(t time.Time) bool {
	return !g.checksNet || (g.netKnown && g.net.Online && !g.net.At.Before(t))
}

// finishAway gives the summary after a sleep once it can be written: online, confirmed since
// waking up, and every target checked again (or awayWait passed). saved reports whether the
// policy's state changed.
func (g *gate) finishAway(now time.Time) (notes []Notification, saved bool) {
	aw := g.away
	if aw == nil || !g.net.Online || !g.confirmedSince(aw.woke) || (len(aw.pending) > 0 && now.Before(aw.deadline)) {
		return nil, false
	}
	notes = g.policy.Away(g.state, aw.start, aw.end, aw.changes, g.tracker.Snapshot(now), now)
	g.log.Info("back from sleep", "gap", aw.end.Sub(aw.start).String(), "changes", len(aw.changes), "notifications", len(notes))
	g.away = nil
	return notes, true
}

func (g *gate) logChanges(changes []Change) {
	for _, c := range changes {
		switch c.Kind {
		case ChangeBaseline:
			g.log.Info("service first checked", "service", c.ServiceID, "state", c.To.String())
		case ChangeState:
			g.log.Info("service changed", "service", c.ServiceID, "from", c.From.String(), "to", c.To.String())
		default:
			g.log.Info("service news", "service", c.ServiceID, "kind", c.Kind.String())
		}
	}
}

// update is what the desktop, the channels and the history receive.
func (g *gate) update(changes []Change, notes []Notification, now time.Time) *Update {
	snap := g.tracker.Snapshot(now)
	if !g.net.Online {
		snap.Offline, snap.OfflineReason = true, g.net.Reason
	}
	return &Update{Snapshot: snap, Changes: changes, Notifications: notes, Alerts: g.state.View(now)}
}

// provesOnline reports whether an observation shows that the internet works: a successful
// answer from a host that is not this machine.
func provesOnline(o Observation, url string) bool {
	return o.Err == nil && url != "" && !IsLoopback(url) && (o.Report.Probe == nil || o.Report.Probe.StatusCode > 0)
}

func probeFailed(o Observation) bool {
	return o.Err != nil || (o.Report.Probe != nil && o.Report.Probe.State.IsProblem())
}
