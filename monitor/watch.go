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

// Watcher runs the engine and feeds the gate, one goroutine deep.
type Watcher struct {
	engine *Engine
	gate   *gate
	state  *PolicyState
	log    *slog.Logger
	opt    WatcherOptions

	// Commands from the user wait here until Run applies them; wake tells Run there are some.
	// Queuing never blocks and never drops one.
	mu    sync.Mutex
	queue []func(*PolicyState, Snapshot)
	wake  chan struct{}
}

// NewWatcher returns a watcher for the services.
func NewWatcher(specs []ServiceSpec, o WatcherOptions) *Watcher {
	var targets []Target
	for _, s := range specs {
		targets = append(targets, s.Targets...)
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
	g := newGate(NewTracker(specs, o.Thresholds), o.Policy, o.State, log, gateConfig{
		Targets: targets, ChecksNet: o.Connectivity != nil, NetInterval: o.NetInterval, SleepTick: o.SleepTick})
	return &Watcher{engine: NewEngine(targets, o.Engine), gate: g, state: o.State, log: log, opt: o, wake: make(chan struct{}, 1)}
}

// CheckNow runs a round at once.
func (w *Watcher) CheckNow() { w.engine.CheckNow() }

// Snooze silences a service (id "" for all) until the given time. It never blocks; the change
// is applied by Run.
func (w *Watcher) Snooze(id string, until time.Time) {
	w.enqueue(func(st *PolicyState, _ Snapshot) { st.Snooze(id, until) })
}

// Resume ends a snooze.
func (w *Watcher) Resume(id string) { w.enqueue(func(st *PolicyState, _ Snapshot) { st.Unsnooze(id) }) }

// Acknowledge silences an open incident (by IncidentKey) unless its service gets worse.
func (w *Watcher) Acknowledge(key string) {
	w.enqueue(func(st *PolicyState, snap Snapshot) {
		for _, sv := range snap.Services {
			for _, in := range sv.Incidents {
				if IncidentKey(sv.ID, in) == key {
					st.Acknowledge(key, sv.State)
				}
			}
		}
	})
}

// enqueue queues a command for Run, which applies every queued command, in order, as soon as
// it is free (or once it starts).
func (w *Watcher) enqueue(f func(*PolicyState, Snapshot)) {
	w.mu.Lock()
	w.queue = append(w.queue, f)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default: // Run has been told already and has not taken the queue yet
	}
}

// commands takes the queued commands.
func (w *Watcher) commands() []func(*PolicyState, Snapshot) {
	w.mu.Lock()
	defer w.mu.Unlock()
	q := w.queue
	w.queue = nil
	return q
}

// Run sends an initial snapshot, then one Update per batch of observations, until ctx ends.
// It owns the engine, the connectivity checks, the sleep tick and the policy's timer; it only
// carries what they say to the gate, which decides, and does what the gate asks back.
func (w *Watcher) Run(ctx context.Context, updates chan<- Update) error {
	obs := make(chan Observation, 16)
	netReq := make(chan struct{}, 1)
	netRes := make(chan NetState, 1)
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { w.engine.Run(ctx, obs) })
	if w.opt.Connectivity != nil {
		wg.Go(func() { w.netLoop(ctx, netReq, netRes) })
	}
	sleepTick := time.NewTicker(w.opt.SleepTick)
	defer sleepTick.Stop()
	policyTimer := time.NewTimer(time.Hour)
	defer policyTimer.Stop()

	s := w.gate.Start(w.opt.Wall(), time.Now())
	for {
		if !w.do(ctx, s, updates, netReq) {
			return ctx.Err()
		}
		policyTimer.Reset(max(time.Until(w.gate.TickAt()), 10*time.Millisecond))

		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-w.wake:
			s = w.gate.OnCommands(w.commands(), time.Now())
		case <-policyTimer.C:
			s = w.gate.OnTimer(time.Now())
		case <-sleepTick.C:
			s = w.gate.OnWallTick(w.opt.Wall(), time.Now())
		case st := <-netRes:
			s = w.gate.OnNet(st, time.Now())
		case o := <-obs:
			s = w.gate.OnBatch(drain(obs, o), time.Now())
		}
	}
}

// do does what the gate asked, in order; false if ctx ended first.
func (w *Watcher) do(ctx context.Context, s step, updates chan<- Update, netReq chan<- struct{}) bool {
	if s.Save {
		w.save()
	}
	if s.CheckNet {
		select {
		case netReq <- struct{}{}:
		default: // one is asked for already
		}
	}
	if s.CheckNow {
		w.engine.CheckNow()
	}
	if s.Update == nil {
		return true
	}
	select {
	case updates <- *s.Update:
		return true
	case <-ctx.Done():
		return false
	}
}

// drain returns first and whatever else is waiting on obs, up to a bound so that a flood of
// observations still lets other events in.
func drain(obs <-chan Observation, first Observation) []Observation {
	batch := []Observation{first}
	for range 64 {
		select {
		case o := <-obs:
			batch = append(batch, o)
		default:
			return batch
		}
	}
	return batch
}

func (w *Watcher) save() {
	if w.opt.StatePath == "" {
		return
	}
	if err := w.state.Save(w.opt.StatePath); err != nil {
		w.log.Warn("could not save the alert state", "err", err)
	}
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
