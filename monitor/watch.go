package monitor

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/paywatch/paywatch/internal/atomicfile"
)

// Update is what the desktop, the alert channels and the history receive after each round of
// observations that changed something (check times alone go out at most every 10 s).
type Update struct {
	// Snapshot is shared with the watcher and with later updates: read it, never modify it.
	Snapshot      Snapshot
	Changes       []Change
	Notifications []Notification
	Alerts        AlertView
	// Notice is a problem of Paywatch's own the user must know about ("" when none): what it
	// has told cannot be saved, so a restart may tell it again.
	Notice string
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
	// NetAskGap is the least time between connectivity checks asked for by failures (default
	// 10 s); one asked for at once, as a failed website probe waits for it, a tenth of that.
	NetAskGap time.Duration
	// SleepTick is how often the wall clock is compared with the monotonic one to notice that
	// the machine slept (default 15 s); a gap over a minute counts as sleep.
	SleepTick time.Duration
	// Wall reads the wall clock (default time.Now without its monotonic reading). Tests move it.
	Wall func() time.Time
	// OnSleep, when set, is told of each sleep Run notices, by the wall clock (for the history).
	// Run calls it itself: it must return quickly.
	OnSleep func(from, to time.Time)
	// Policy decides what notifies (default: NewPolicy(Alerts, nil, time.Local)).
	Policy *Policy
	// State is the policy's memory; StatePath, when set, is where it is saved after each change.
	State     *PolicyState
	StatePath string
	// StateFallback is where the state is saved when StatePath cannot be written (load with
	// LoadPolicyStates from both). When neither can, every update carries a Notice.
	StateFallback string
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

	// The state file is written at most every saveGap (what comes sooner waits for saveTimer,
	// and for the end of Run), and only when what it would hold changed: a burst of changes
	// (every service's first check at start-up) is one write, not one per batch.
	saved     savedState
	savedAt   time.Time
	savePend  bool
	saveTimer *time.Timer
	// Where the state was last saved (StatePath or StateFallback; "" for nowhere), and the
	// notice while it cannot be saved at all. Only Run touches them.
	savedTo string
	notice  string
}

// saveGap is the least time between two writes of the state file.
const saveGap = 2 * time.Second

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
	if o.NetAskGap <= 0 {
		o.NetAskGap = 10 * time.Second
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

// Run sends an initial snapshot, then an Update per batch of observations that changed
// something (see Update), until ctx ends.
// It owns the engine, the connectivity checks, the sleep tick and the policy's timer; it only
// carries what they say to the gate, which decides, and does what the gate asks back.
func (w *Watcher) Run(ctx context.Context, updates chan<- Update) error {
	obs := make(chan Observation, 16)
	netReq := make(chan bool, 1) // true: at once (failed probes wait for it)
	netRes := make(chan NetState, 1)
	var wg sync.WaitGroup
	defer wg.Wait()
	rc := &rechecker{ctx: ctx, engine: w.engine, wg: &wg, obs: obs, running: map[string]bool{}}
	wg.Go(func() { w.engine.Run(ctx, obs) })
	if w.opt.Connectivity != nil {
		wg.Go(func() { w.netLoop(ctx, netReq, netRes) })
	}
	sleepTick := time.NewTicker(w.opt.SleepTick)
	defer sleepTick.Stop()
	policyTimer := time.NewTimer(time.Hour)
	defer policyTimer.Stop()
	w.saveTimer = time.NewTimer(time.Hour)
	w.saveTimer.Stop()
	defer w.saveTimer.Stop()
	defer w.flushSave()

	s := w.gate.Start(w.opt.Wall(), time.Now())
	for {
		if !w.do(ctx, s, updates, netReq, rc.recheck) {
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
		case <-w.saveTimer.C:
			w.flushSave()
			s = step{}
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
func (w *Watcher) do(ctx context.Context, s step, updates chan<- Update, netReq chan bool, recheck func(string)) bool {
	// What a notification tells is saved before it goes out, so that a restart never tells it
	// again. Any other update goes out first: the save syncs to disk, which can take a second
	// while other programs write, and must not hold back the tray's icon.
	saveFirst := s.Save && (s.Update == nil || len(s.Update.Notifications) > 0)
	if saveFirst {
		w.requestSave()
	}
	if !s.SleptTo.IsZero() && w.opt.OnSleep != nil {
		w.opt.OnSleep(s.SleptFrom, s.SleptTo)
	}
	if s.CheckNet {
		select {
		case netReq <- s.ConfirmNet:
		default: // one is asked for already: make it urgent if this one is
			if s.ConfirmNet {
				select {
				case <-netReq:
				default:
				}
				select {
				case netReq <- true:
				default:
				}
			}
		}
	}
	if s.CheckNow {
		w.engine.CheckNow()
	}
	for _, key := range s.Recheck {
		recheck(key)
	}
	if s.Update == nil {
		return true
	}
	s.Update.Notice = w.notice
	select {
	case updates <- *s.Update:
	case <-ctx.Done():
		return false
	}
	if s.Save && !saveFirst {
		w.requestSave()
		if w.notice != s.Update.Notice {
			// The save failed (or works again): the picture goes out once more, with the
			// notice and no changes of its own, so the user hears of it now.
			u := *s.Update
			u.Changes, u.Notice = nil, w.notice
			select {
			case updates <- u:
			case <-ctx.Done():
				return false
			}
		}
	}
	return true
}

// rechecker checks website probes again at once, outside their timers (a failure that a
// proof of the internet made count), each probe at most once at a time. Run owns it and waits
// for its checks.
type rechecker struct {
	ctx     context.Context
	engine  *Engine
	wg      *sync.WaitGroup
	obs     chan<- Observation
	mu      sync.Mutex
	running map[string]bool // target keys being checked again
}

func (r *rechecker) recheck(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running[key] {
		return
	}
	t, ok := r.engine.target(key)
	if !ok {
		return
	}
	r.running[key] = true
	r.wg.Go(func() {
		o, ok := r.engine.checkOne(r.ctx, t)
		r.mu.Lock()
		delete(r.running, key)
		r.mu.Unlock()
		if !ok {
			return
		}
		select {
		case r.obs <- o:
		case <-r.ctx.Done():
		}
	})
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

// requestSave saves the policy's state now, or once saveGap has passed since the last write.
func (w *Watcher) requestSave() {
	if w.opt.StatePath == "" || w.savePend {
		return
	}
	if wait := saveGap - time.Since(w.savedAt); wait > 0 && !w.savedAt.IsZero() {
		w.savePend = true
		w.saveTimer.Reset(wait)
		return
	}
	w.save()
}

// flushSave writes a save that waits.
func (w *Watcher) flushSave() {
	if w.savePend {
		w.save()
	}
}

// save writes the policy's state to StatePath, or else to StateFallback, when it changed. Where
// it went is logged when that changes; when it can go nowhere, the user is told
// (Update.Notice), as a restart would then repeat what was already told.
func (w *Watcher) save() {
	w.savePend = false
	w.savedAt = time.Now()
	if w.opt.StatePath == "" {
		return
	}
	to := w.opt.StatePath
	saved, wrote, err := w.state.saveChanged(w.opt.StatePath, w.saved)
	if err == nil && !wrote {
		return // nothing changed, nothing written: where it was saved still holds
	}
	if err != nil && w.opt.StateFallback != "" {
		var ferr error
		if saved, _, ferr = w.state.saveChanged(w.opt.StateFallback, savedState{}); ferr == nil {
			if w.savedTo != w.opt.StateFallback {
				w.log.Warn("alert state saved to the second place: the first cannot be written", "path", w.opt.StatePath, "err", err, "saved_to", w.opt.StateFallback)
			}
			to, err = w.opt.StateFallback, nil
		} else {
			err = errors.Join(err, ferr)
		}
	}
	w.saved = saved
	if err != nil {
		if w.savedTo != "" || w.notice == "" {
			w.log.Error("could not save the alert state: a restart may repeat notifications", "err", err)
		}
		w.savedTo = ""
		w.notice = "Paywatch cannot save what it has told you (" + SaveProblem(err) + "): after a restart it may notify again"
		return
	}
	if to == w.opt.StatePath && w.savedTo == w.opt.StateFallback && w.opt.StateFallback != "" {
		w.log.Info("alert state saved where it belongs again", "path", to)
		os.Remove(w.opt.StateFallback) // older now; LoadPolicyStates would skip it anyway
	}
	w.savedTo, w.notice = to, ""
}

// CheckStateWritable reports whether the state can be saved at path, or else at fallback, by
// writing a scratch file next to it (for `paywatch status`, which runs no watcher).
func CheckStateWritable(path, fallback string) error {
	var errs []error
	for _, p := range []string{path, fallback} {
		if p == "" {
			continue
		}
		scratch := p + ".check"
		err := atomicfile.Write(scratch, nil, 0o600)
		if err == nil {
			os.Remove(scratch)
			return nil
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// netLoop checks connectivity at start, every NetInterval, and when asked: at most every
// NetAskGap (10 s), or every tenth of that when asked at once (a failed probe waits for a check
// made after it, and the sooner after it the check is made, the less the connection can have
// changed meanwhile).
func (w *Watcher) netLoop(ctx context.Context, req <-chan bool, res chan<- NetState) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	var last, next time.Time // the last check; when the next regular one is due
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case urgent := <-req:
			// Asked: at once, or NetAskGap (a tenth of it if urgent) after the last check, but
			// never later than the regular check already due.
			gap := w.opt.NetAskGap
			if urgent {
				gap /= 10
			}
			due := last.Add(gap)
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
