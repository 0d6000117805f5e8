package monitor

import (
	"log/slog"
	"slices"
	"time"
)

// The gate's rules, each in one place.
const (
	// sleepGap: the wall clock running this much further than the sleep tick means the machine
	// slept (see OnWallTick).
	sleepGap = time.Minute
	// awayWait is how long the summary after a sleep waits for every target to be checked again.
	awayWait = 2 * time.Minute
	// offlineRetick is how soon the policy's timer is looked at again when it fell due while
	// nothing may be said (offline, or catching up after a sleep).
	offlineRetick = time.Minute
	// timesRefresh: an update after checks that changed nothing but their check times carries
	// the picture sent before, as it is (nothing is rebuilt); the new times go out with the
	// next change, or after this long (the tray redraws ages as often).
	timesRefresh = 10 * time.Second
)

// gate decides what the watcher believes and when the alert policy hears of it: nothing while
// the machine is offline; failures only once a connectivity check made after them confirms the
// internet works (a failed website probe is not even counted before that: see OnBatch);
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
	kinds   map[string]targetKind // by target key
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
	// suspects are failed website probes not yet counted: each waits for proof, made after it,
	// that the internet works (a connectivity check that passes, or a real status page that
	// answers); a check that fails drops it. A probe on a flapping connection fails for the
	// connection's sake, and one failure counts towards "Major outage".
	suspects []Observation
	// lastProof is when a real (not loopback) page last answered; canariesBlocked is set while
	// that outweighs failing canaries.
	lastProof       time.Time
	canariesBlocked bool
	away            *away
	lastWall        time.Time
	tickAt          time.Time // when OnTimer is next due
	builtAt         time.Time // when the tracker's picture was last brought up to date
}

// away collects what happens after the machine wakes up, for one summary.
type away struct {
	start, end time.Time // by the wall clock, for the summary's words
	woke       time.Time // by this process's clock, to compare with connectivity checks
	pending    map[string]bool
	changes    []Change
	deadline   time.Time
}

// targetKind is what the gate needs to know of a target.
type targetKind struct {
	public bool // not on this machine, for provesOnline
	probe  bool // a website probe
}

// gateConfig is what a gate needs besides the tracker and the policy.
type gateConfig struct {
	Targets     []Target
	ChecksNet   bool          // connectivity checks run (OnNet will be called)
	NetInterval time.Duration // how often they run while nothing fails
	SleepTick   time.Duration // how often OnWallTick is called
}

// step is what the watcher must do after an event, in this order: save the policy's state,
// ask for a connectivity check, ask for a round of checks, check probes again, send the update.
type step struct {
	// SleptFrom and SleptTo are a sleep this event noticed, by the wall clock (zero: none).
	SleptFrom, SleptTo time.Time

	Save     bool
	CheckNet bool
	// ConfirmNet: the connectivity check is wanted at once (failed probes wait for it), not
	// after the usual pause between asked-for checks.
	ConfirmNet bool
	CheckNow   bool
	// Recheck lists probes (target keys) to check again at once: each has a failure that a
	// connectivity check confirmed, not yet enough to call it down.
	Recheck []string
	Update  *Update // nil: nothing to send
}

func newGate(tr *Tracker, p *Policy, st *PolicyState, log *slog.Logger, c gateConfig) *gate {
	g := &gate{tracker: tr, policy: p, state: st, log: log, targets: c.Targets, kinds: make(map[string]targetKind, len(c.Targets)),
		checksNet: c.ChecksNet, sleepTick: c.SleepTick, net: NetState{Online: true}, netKnown: !c.ChecksNet}
	var quickest time.Duration // among targets that are not on this machine
	for _, t := range c.Targets {
		g.kinds[t.Key()] = targetKind{public: t.URL != "" && !IsLoopback(t.URL), probe: t.Kind == KindProbe}
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
		f(g.state, g.snapshot(now))
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
	notes := g.policy.Tick(g.state, g.snapshot(now), now)
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
		s.SleptFrom, s.SleptTo = g.lastWall, wall
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
			// ...or the connection just dropped, a moment after the pages answered. Either way,
			// the failed probes waiting are not counted: the next page to answer shows whether
			// the websites fail with the internet working.
			g.dropSuspects(st.At)
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
		g.dropSuspects(st.At)
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
	var changes []Change
	if st.Online && !g.canariesBlocked {
		// Only a check that passed proves anything: failing canaries outweighed by a page's
		// answer leave the suspects to the next page that answers.
		var more []Notification
		changes, more = g.confirm(st.At, &s, now)
		notes = append(notes, more...)
	}
	more, saved := g.finishAway(now)
	s.Save = s.Save || saved
	notes = append(notes, more...)
	// A storm that is over goes out with this update rather than at the next tick.
	notes = append(notes, g.policy.Apply(g.state, nil, now)...)
	g.rearm(now)
	s.Update = g.update(changes, notes, now)
	return s
}

// canariesBlockedBy reports whether a failed connectivity check is outweighed by a real status
// page that answered within the proof window. A captive portal is never outweighed.
func (g *gate) canariesBlockedBy(st NetState) bool {
	return !st.Online && !st.CaptivePortal && !g.lastProof.IsZero() && st.At.Sub(g.lastProof) < g.proofWindow
}

// OnBatch takes observations that arrived together, so the desktop redraws once. Checks that
// changed nothing but their check times cost no rebuilding (see timesRefresh).
func (g *gate) OnBatch(batch []Observation, now time.Time) step {
	var s step
	var changes []Change
	failed := false
	var proof time.Time // when the earliest check in the batch that proves the internet works began
	for _, o := range batch {
		kind := g.kinds[o.Target]
		if provesOnline(o, kind.public) {
			g.lastProof = o.At
			if began := o.At.Add(-o.Latency); proof.IsZero() || began.Before(proof) {
				proof = began
			}
			if !g.net.Online {
				// A real page answered: the internet works even if the canaries do not.
				g.net, g.netKnown = NetState{Online: true, At: o.At}, true
			}
		}
		if !g.net.Online {
			continue // believe nothing while offline; the last known states stay, marked stale
		}
		if kind.probe {
			if probeFailed(o) && g.checksNet {
				// Not counted until the internet is seen working after it (see confirm).
				g.suspects = append(g.suspects, o)
				s.CheckNet, s.ConfirmNet = true, true
				continue
			}
			if !probeFailed(o) {
				g.forget(o.Target) // a newer good answer outdates a failure still waiting
			}
		} else if probeFailed(o) {
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
	if len(changes) > 0 && (len(g.held) > 0 || failed && g.checksNet) {
		// Say nothing about failures until we know the internet itself works; what comes after
		// them waits too, so the policy hears every change in order.
		if len(g.held) == 0 {
			g.heldAt = now
		}
		g.held = append(g.held, changes...)
		s.CheckNet = g.checksNet
	} else {
		s.CheckNet = s.CheckNet || failed && g.checksNet
		notes = g.policy.Apply(g.state, changes, now)
		s.Save = len(changes) > 0
	}
	if !proof.IsZero() && len(g.suspects) > 0 {
		// A real page that answered is as good a proof as a connectivity check.
		more, told := g.confirm(proof, &s, now)
		changes = append(changes, more...)
		notes = append(notes, told...)
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

// confirm counts the failed probes made before the internet was seen working at `at`; those
// made later wait for another check. A counted failure that is not yet enough to call its
// website down has it checked again at once (s.Recheck): on a flapping connection the first
// failure can be the connection's even though a check passed just after it, but a second one
// right after a check that passed is the website's. It returns the changes the counted
// failures make (for the update) and what the policy says of them.
func (g *gate) confirm(at time.Time, s *step, now time.Time) ([]Change, []Notification) {
	var changes []Change
	var wait []Observation
	counted := map[string]bool{}
	for _, o := range g.suspects {
		if at.Before(o.At) {
			wait = append(wait, o)
			continue
		}
		if counted[o.Target] {
			// One proof counts one failure of a website: later ones before it may be the same
			// drop of the connection. The recheck asked for below is the next look.
			continue
		}
		counted[o.Target] = true
		cs := g.tracker.Observe(o)
		if g.tracker.confirmingFailure(o.Target) && !slices.Contains(s.Recheck, o.Target) {
			s.Recheck = append(s.Recheck, o.Target)
		}
		if g.away != nil {
			delete(g.away.pending, o.Target)
			g.away.changes = append(g.away.changes, cs...)
			continue
		}
		changes = append(changes, cs...)
	}
	g.suspects = wait
	if len(wait) > 0 {
		s.CheckNet, s.ConfirmNet = g.checksNet, g.checksNet
	}
	g.logChanges(changes)
	if len(changes) == 0 {
		return nil, nil
	}
	s.Save = true
	if len(g.held) > 0 {
		// Changes held for a page's failure go first, in order; these wait with them.
		g.held = append(g.held, changes...)
		return changes, nil
	}
	return changes, g.policy.Apply(g.state, changes, now)
}

// dropSuspects forgets the failed probes made before a connectivity check that failed at `at`:
// the machine was offline, not the websites.
func (g *gate) dropSuspects(at time.Time) {
	g.suspects = slices.DeleteFunc(g.suspects, func(o Observation) bool { return !at.Before(o.At) })
}

// forget drops a target's failed probes still waiting.
func (g *gate) forget(target string) {
	g.suspects = slices.DeleteFunc(g.suspects, func(o Observation) bool { return o.Target == target })
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
	notes = g.policy.Away(g.state, aw.start, aw.end, aw.changes, g.snapshot(now), now)
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
	snap := g.snapshot(now)
	if !g.net.Online {
		snap.Offline, snap.OfflineReason = true, g.net.Reason
	}
	return &Update{Snapshot: snap, Changes: changes, Notifications: notes, Alerts: g.state.View(now)}
}

// snapshot is the tracker's shared picture (read, never modified), brought up to date when
// anything but check times changed, or the times are timesRefresh old.
func (g *gate) snapshot(now time.Time) Snapshot {
	if g.tracker.Changed() || g.tracker.Pending() && now.Sub(g.builtAt) >= timesRefresh {
		g.builtAt = now
		return Snapshot{At: now, Services: g.tracker.view()}
	}
	return Snapshot{At: now, Services: g.tracker.shown}
}

// provesOnline reports whether an observation shows that the internet works: a successful
// answer from a host that is not this machine (public).
func provesOnline(o Observation, public bool) bool {
	return o.Err == nil && public && (o.Report.Probe == nil || o.Report.Probe.StatusCode > 0)
}

func probeFailed(o Observation) bool {
	return o.Err != nil || (o.Report.Probe != nil && o.Report.Probe.State.IsProblem())
}
