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
}

// WatcherOptions configures a Watcher.
type WatcherOptions struct {
	Engine     EngineOptions
	Thresholds Thresholds
	Alerts     AlertConfig
	Logger     *slog.Logger
}

// Watcher runs the engine and feeds the tracker and the alert policy, one goroutine deep.
type Watcher struct {
	engine  *Engine
	tracker *Tracker
	alerts  AlertConfig
	log     *slog.Logger
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
	o.Engine.Logger = log
	return &Watcher{engine: NewEngine(targets, o.Engine), tracker: NewTracker(specs, o.Thresholds), alerts: o.Alerts, log: log}
}

// CheckNow runs a round at once.
func (w *Watcher) CheckNow() { w.engine.CheckNow() }

// Run sends an initial snapshot, then one Update per batch of observations, until ctx ends.
// Observations that arrive together are applied together, so the desktop redraws once.
func (w *Watcher) Run(ctx context.Context, updates chan<- Update) error {
	obs := make(chan Observation, 16)
	var wg sync.WaitGroup
	wg.Go(func() { w.engine.Run(ctx, obs) })
	defer wg.Wait()
	send := func(u Update) bool {
		select {
		case updates <- u:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if !send(Update{Snapshot: w.tracker.Snapshot(time.Now())}) {
		return ctx.Err()
	}
	for {
		var o Observation
		select {
		case <-ctx.Done():
			return ctx.Err()
		case o = <-obs:
		}
		changes := w.tracker.Observe(o)
	drain:
		for range 64 {
			select {
			case o := <-obs:
				changes = append(changes, w.tracker.Observe(o)...)
			default:
				break drain
			}
		}
		for _, c := range changes {
			w.log.Info("service changed", "service", c.ServiceID, "from", c.From.String(), "to", c.To.String(), "kind", int(c.Kind))
		}
		u := Update{Snapshot: w.tracker.Snapshot(time.Now()), Changes: changes, Notifications: w.alerts.Decide(changes)}
		if !send(u) {
			return ctx.Err()
		}
	}
}

// CheckOnce checks every target once (probes that fail are checked a second time at once, so a
// single dropped connection is not reported as down) and returns the resulting snapshot.
func CheckOnce(ctx context.Context, specs []ServiceSpec, th Thresholds) Snapshot {
	tr := NewTracker(specs, th)
	var mu sync.Mutex
	var wg sync.WaitGroup
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
	return tr.Snapshot(time.Now())
}

func probeFailed(o Observation) bool {
	return o.Err != nil || (o.Report.Probe != nil && o.Report.Probe.State.IsProblem())
}
