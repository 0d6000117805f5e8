package monitor

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Update is what the desktop, the alert channels and the history receive after each round of
// observations.
type Update struct {
	Snapshot      Snapshot
	Changes       []Change
	Notifications []Notification
	Alerts        AlertView
}

// WatcherOptions configures a Watcher.
type WatcherOptions struct {
	Engine     EngineOptions
	Thresholds Thresholds
	Alerts     AlertConfig
	Logger     *slog.Logger
	// Connectivity tells offline apart from outages; nil means "always online" (demo, tests).
	Connectivity *Connectivity
	// NetInterval is how often connectivity is checked while nothing fails (default 60 s).
	NetInterval time.Duration
	// SleepTick is how often the wall clock is compared with the monotonic one to notice that
	// the machine slept (default 15 s); a gap over a minute counts as sleep.
	SleepTick time.Duration
	// Wall reads the wall clock (default time.Now without its monotonic reading). Tests move it.
	Wall func() time.Time
	// Policy decides what notifies (default: NewPolicy(Alerts, nil, time.Local)).
	Policy *Policy
	// State is the policy's memory; StatePath, when set, is where it is saved after each change.
	State     *PolicyState
	StatePath string
}

// Watcher runs the engine and feeds the tracker and the alert policy, one goroutine deep.
type Watcher struct {
	engine  *Engine
	tracker *Tracker
	policy  *Policy
	state   *PolicyState
	log     *slog.Logger
	opt     WatcherOptions
	targets []Target
	urls    map[string]string // target key → URL, for provesOnline
	cmds    chan func(*PolicyState, Snapshot)
}

// NewWatcher returns a watcher for the services.
func NewWatcher(specs []ServiceSpec, o WatcherOptions) *Watcher {
	var targets []Target
	urls := map[string]string{}
	for _, s := range specs {
		targets = append(targets, s.Targets...)
		for _, t := range s.Targets {
			urls[t.Key()] = t.URL
		}
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if o.NetInterval <= 0 {
		o.NetInterval = time.Minute
	}
	if o.SleepTick <= 0 {
		o.SleepTick = 15 * time.Second
	}
	if o.Wall == nil {
		o.Wall = func() time.Time { return time.Now().Round(0) }
	}
	if o.Policy == nil {
		o.Policy = NewPolicy(o.Alerts, nil, time.Local)
	}
	if o.State == nil {
		o.State = NewPolicyState()
	}
	o.Engine.Logger = log
	return &Watcher{engine: NewEngine(targets, o.Engine), tracker: NewTracker(specs, o.Thresholds), policy: o.Policy, state: o.State,
		log: log, opt: o, targets: targets, urls: urls, cmds: make(chan func(*PolicyState, Snapshot), 8)}
}

// quickestPublic is the shortest interval among targets that are not on this machine (0 if none).
func (w *Watcher) quickestPublic() time.Duration {
	var q time.Duration
	for _, t := range w.targets {
		if !IsLoopback(t.URL) && (q == 0 || t.Interval < q) {
			q = t.Interval
		}
	}
	return q
}

// CheckNow runs a round at once.
func (w *Watcher) CheckNow() { w.engine.CheckNow() }

// Snooze silences a service (id "" for all) until the given time. It never blocks for long;
// the change is applied by Run.
func (w *Watcher) Snooze(id string, until time.Time) {
	w.do(func(st *PolicyState, _ Snapshot) { st.Snooze(id, until) })
}

// Resume ends a snooze.
func (w *Watcher) Resume(id string) { w.do(func(st *PolicyState, _ Snapshot) { st.Unsnooze(id) }) }

// Acknowledge silences an open incident (by IncidentKey) unless its service gets worse.
func (w *Watcher) Acknowledge(key string) {
	w.do(func(st *PolicyState, snap Snapshot) {
		for _, sv := range snap.Services {
			for _, in := range sv.Incidents {
				if IncidentKey(sv.ID, in) == key {
					st.Acknowledge(key, sv.State)
				}
			}
		}
	})
}

func (w *Watcher) do(f func(*PolicyState, Snapshot)) {
	select {
	case w.cmds <- f:
	case <-time.After(time.Second):
		w.log.Warn("command dropped: the watcher is busy")
	}
}

func (w *Watcher) save() {
	if w.opt.StatePath == "" {
		return
	}
	if err := w.state.Save(w.opt.StatePath); err != nil {
		w.log.Warn("could not save the alert state", "err", err)
	}
}

// away collects what happens after the machine wakes up, for one summary.
type away struct {
	start, end time.Time // by the wall clock, for the summary's words
	woke       time.Time // by this process's clock, to compare with connectivity checks
	pending    map[string]bool
	changes    []Change
	deadline   time.Time
}

// Run sends an initial snapshot, then one Update per batch of observations, until ctx ends.
// Observations that arrive together are applied together, so the desktop redraws once.
// While offline nothing is believed and nothing notifies; after a sleep, one "While you were
// away" summary replaces the burst of changes.
func (w *Watcher) Run(ctx context.Context, updates chan<- Update) error {
	obs := make(chan Observation, 16)
	netReq := make(chan struct{}, 1)
	netRes := make(chan NetState, 1)
	var wg sync.WaitGroup
	wg.Go(func() { w.engine.Run(ctx, obs) })
	if w.opt.Connectivity != nil {
		wg.Go(func() { w.netLoop(ctx, netReq, netRes) })
	}
	defer wg.Wait()

	net := NetState{Online: true}
	netKnown := w.opt.Connectivity == nil
	// Changes seen with failures wait for a connectivity check before the policy hears of them:
	// if the machine turns out to be offline they are dropped, and nothing was "told".
	var held []Change
	var heldAt time.Time
	// lastProof is when a real (not loopback) page last answered; canariesBlocked is set while
	// that outweighs failing canaries.
	var lastProof time.Time
	var canariesBlocked bool
	// A proof is fresh for two of the slower of the connectivity interval and the quickest
	// public target's interval (the soonest another proof can come).
	proofWindow := 2 * w.opt.NetInterval
	if q := w.quickestPublic(); q > w.opt.NetInterval {
		proofWindow = 2 * q
	}
	var aw *away
	sleepTick := time.NewTicker(w.opt.SleepTick)
	defer sleepTick.Stop()
	lastWall := w.opt.Wall()

	requestNet := func() {
		if w.opt.Connectivity == nil {
			return
		}
		select {
		case netReq <- struct{}{}:
		default:
		}
	}
	send := func(u Update) bool {
		select {
		case updates <- u:
			return true
		case <-ctx.Done():
			return false
		}
	}
	snapshot := func() Snapshot {
		s := w.tracker.Snapshot(time.Now())
		if !net.Online {
			s.Offline, s.OfflineReason = true, net.Reason
		}
		return s
	}
	// fresh reports whether connectivity was confirmed after t.
	fresh := func(t time.Time) bool {
		return w.opt.Connectivity == nil || (netKnown && net.Online && !net.At.Before(t))
	}
	finishAway := func() []Notification {
		if aw == nil || !net.Online || !fresh(aw.woke) || (len(aw.pending) > 0 && time.Now().Before(aw.deadline)) {
			return nil
		}
		notes := w.policy.Away(w.state, aw.start, aw.end, aw.changes, w.tracker.Snapshot(time.Now()), time.Now())
		w.log.Info("back from sleep", "gap", aw.end.Sub(aw.start).String(), "changes", len(aw.changes), "notifications", len(notes))
		w.save()
		aw = nil
		return notes
	}

	update := func(changes []Change, notes []Notification) Update {
		return Update{Snapshot: snapshot(), Changes: changes, Notifications: notes, Alerts: w.state.View(time.Now())}
	}
	if !send(update(nil, nil)) {
		return ctx.Err()
	}
	policyTimer := time.NewTimer(time.Until(w.policy.NextDue(w.state, time.Now())))
	defer policyTimer.Stop()
	resetPolicy := func() {
		policyTimer.Reset(max(time.Until(w.policy.NextDue(w.state, time.Now())), 10*time.Millisecond))
	}
	for {
		var batch []Observation
		var notes []Notification
		select {
		case <-ctx.Done():
			return ctx.Err()
		case f := <-w.cmds:
			f(w.state, w.tracker.Snapshot(time.Now()))
			w.save()
			if !send(update(nil, nil)) {
				return ctx.Err()
			}
			continue
		case <-policyTimer.C:
			if !net.Online || aw != nil {
				// Nothing is said while offline or catching up after a sleep; what waits goes
				// out once that ends (both paths reset the timer). Until then, look again in a
				// minute rather than spin on a due time that cannot be served.
				policyTimer.Reset(time.Minute)
				continue
			}
			notes = w.policy.Tick(w.state, w.tracker.Snapshot(time.Now()), time.Now())
			w.save()
			resetPolicy()
			if len(notes) == 0 {
				continue
			}
		case now := <-sleepTick.C:
			wall := w.opt.Wall()
			if gap := wall.Sub(lastWall); gap > w.opt.SleepTick+time.Minute {
				w.log.Info("woke up from sleep", "gap", gap.String())
				aw = &away{start: lastWall, end: wall, woke: time.Now(), pending: map[string]bool{}, deadline: now.Add(2 * time.Minute)}
				for _, t := range w.targets {
					aw.pending[t.Key()] = true
				}
				aw.changes, held = held, nil // seen just before sleeping: part of the summary
				requestNet()
				w.engine.CheckNow()
			}
			lastWall = wall
			notes = finishAway()
			resetPolicy() // the summary may wait for its storm window
			if notes == nil {
				continue
			}
		case st := <-netRes:
			if !st.Online && !st.CaptivePortal && !lastProof.IsZero() && st.At.Sub(lastProof) < proofWindow {
				// Every canary fails, yet real status pages answered a moment ago: the canaries
				// are blocked here (an office firewall), the internet is not gone. Believing
				// them would flip the tray to offline and back with every check.
				if !canariesBlocked {
					w.log.Warn("connectivity checks fail while status pages answer; trusting the status pages", "reason", st.Reason)
					canariesBlocked = true
				}
				st = NetState{Online: true, At: st.At}
			} else if st.Online {
				canariesBlocked = false
			}
			wasOnline := net.Online
			net, netKnown = st, true
			if !st.Online {
				w.tracker.MarkAllStale("not refreshed: " + st.Reason)
				held = nil
			} else if !wasOnline {
				w.log.Info("back online")
				w.engine.CheckNow()
				if aw != nil {
					// Woke up offline: what happened is only seen now, so wait for it again.
					aw.deadline = time.Now().Add(2 * time.Minute)
					for _, t := range w.targets {
						aw.pending[t.Key()] = true
					}
				}
			}
			if st.Online && len(held) > 0 && !st.At.Before(heldAt) {
				notes, held = w.policy.Apply(w.state, held, time.Now()), nil
				w.save()
				resetPolicy()
			}
			notes = append(notes, finishAway()...)
		case o := <-obs:
			batch = append(batch, o)
		drain:
			for range 64 {
				select {
				case o := <-obs:
					batch = append(batch, o)
				default:
					break drain
				}
			}
		}

		var changes []Change
		failed := false
		for _, o := range batch {
			if provesOnline(o, w.urls[o.Target]) {
				lastProof = o.At
				if !net.Online {
					// A real page answered: the internet works even if the canaries do not.
					net = NetState{Online: true, At: o.At}
					netKnown = true
				}
			}
			if !net.Online {
				continue // believe nothing while offline; the last known states stay, marked stale
			}
			if probeFailed(o) || o.Err != nil {
				failed = true
			}
			cs := w.tracker.Observe(o)
			if aw != nil {
				delete(aw.pending, o.Target)
				aw.changes = append(aw.changes, cs...)
				continue
			}
			changes = append(changes, cs...)
		}
		for _, c := range changes {
			switch c.Kind {
			case ChangeBaseline:
				w.log.Info("service first checked", "service", c.ServiceID, "state", c.To.String())
			case ChangeState:
				w.log.Info("service changed", "service", c.ServiceID, "from", c.From.String(), "to", c.To.String())
			default:
				w.log.Info("service news", "service", c.ServiceID, "kind", c.Kind.String())
			}
		}
		if len(changes) > 0 && (len(held) > 0 || failed && !fresh(time.Now().Add(-30*time.Second))) {
			// Say nothing about failures until we know the internet itself works; what comes
			// after them waits too, so the policy hears every change in order.
			if len(held) == 0 {
				heldAt = time.Now()
			}
			held = append(held, changes...)
			requestNet()
		} else {
			if failed {
				requestNet()
			}
			notes = append(notes, w.policy.Apply(w.state, changes, time.Now())...)
			if len(changes) > 0 {
				w.save()
			}
		}
		resetPolicy()
		if aw != nil && len(batch) > 0 {
			notes = append(notes, finishAway()...)
		}
		if !send(update(changes, notes)) {
			return ctx.Err()
		}
	}
}

// provesOnline reports whether an observation shows that the internet works: a successful
// answer from a host that is not this machine.
func provesOnline(o Observation, url string) bool {
	return o.Err == nil && url != "" && !IsLoopback(url) && (o.Report.Probe == nil || o.Report.Probe.StatusCode > 0)
}

// netLoop checks connectivity at start, every NetInterval, and when asked (at most every 10 s).
func (w *Watcher) netLoop(ctx context.Context, req <-chan struct{}, res chan<- NetState) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	var last, next time.Time // the last check; when the next regular one is due
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-req:
			// Asked: at once, or 10 s after the last check, but never later than the regular
			// check already due.
			due := last.Add(10 * time.Second)
			if next.Before(due) {
				due = next
			}
			if wait := time.Until(due); wait > 0 {
				timer.Reset(wait)
				continue
			}
		}
		st := w.opt.Connectivity.Check(ctx)
		last = time.Now()
		next = last.Add(w.opt.NetInterval)
		select {
		case res <- st:
		case <-ctx.Done():
			return
		}
		timer.Reset(w.opt.NetInterval)
	}
}

// CheckOnce checks every target once (probes that fail are checked a second time at once, so a
// single dropped connection is not reported as down) and returns the resulting snapshot.
// With a Connectivity, an offline machine gives a snapshot marked Offline.
func CheckOnce(ctx context.Context, specs []ServiceSpec, th Thresholds, conn *Connectivity) Snapshot {
	tr := NewTracker(specs, th)
	var mu sync.Mutex
	var wg sync.WaitGroup
	var net NetState
	if conn != nil {
		wg.Go(func() { net = conn.Check(ctx) })
	}
	sem := make(chan struct{}, 8)
	for _, s := range specs {
		for _, t := range s.Targets {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				tries := 1
				if t.Kind == KindProbe {
					tries = max(th.ProbeFailures, DefaultThresholds.ProbeFailures)
				}
				for i := range tries {
					o := CheckTarget(ctx, t)
					mu.Lock()
					tr.Observe(o)
					mu.Unlock()
					if !probeFailed(o) || i == tries-1 {
						break
					}
				}
			})
		}
	}
	wg.Wait()
	snap := tr.Snapshot(time.Now())
	if conn != nil && !net.Online {
		// Nothing a check said while offline is believed: a one-off run has no last known
		// state to keep, so every service is "could not tell".
		snap.Offline, snap.OfflineReason = true, net.Reason
		for i := range snap.Services {
			sv := &snap.Services[i]
			sv.State, sv.Reason, sv.Stale = StateUnknown, net.Reason, false
		}
	}
	return snap
}

func probeFailed(o Observation) bool {
	return o.Err != nil || (o.Report.Probe != nil && o.Report.Probe.State.IsProblem())
}
