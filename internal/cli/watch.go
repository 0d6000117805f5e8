package cli

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/channels"
	"github.com/paywatch/paywatch/monitor/history"
)

// watchOptions are what the watcher is built from, with or without a tray.
type watchOptions struct {
	cfg   *monitor.Config
	specs []monitor.ServiceSpec
	// conn tells whether this machine is online; nil never doubts it (the demo).
	conn *monitor.Connectivity
	// statePath is where what was told, snoozed and acknowledged is kept; "" keeps nothing.
	statePath string
	// channels, when set up, have thresholds of their own, which may be more sensitive than
	// the desktop's.
	channels *channels.Dispatcher
	// history, when open, hears of the sleeps the watcher notices.
	history *history.Store
	log     *slog.Logger
}

// newWatcher builds the watcher, and says what of its notifications the desktop is to show.
func newWatcher(o watchOptions) (*monitor.Watcher, monitor.Sink) {
	fallback := ""
	if o.statePath != "" {
		fallback = alertStateFallback(o.statePath)
	}
	state, err := monitor.LoadPolicyStates(o.statePath, fallback)
	if err != nil {
		o.log.Warn("alert state reset", "err", err)
	}
	var chans []monitor.Sink
	if o.channels != nil {
		chans = o.channels.Sinks()
	}
	policy := monitor.NewPolicy(o.cfg.Alerts, monitor.PerServiceSeverity(o.specs), time.Local, chans...)
	return monitor.NewWatcher(o.specs, monitor.WatcherOptions{
		OnSleep: recordSleep(o.history), // the history records each sleep noticed

		Alerts: o.cfg.Alerts, Logger: o.log, Connectivity: o.conn,
		Policy: policy, State: state, StatePath: o.statePath, StateFallback: fallback,
	}), policy.Desktop()
}

// A sink takes the watcher's updates: the tray with its notifications, desktop notifications
// alone, the team channels, the history.
type sink struct {
	name string
	// wants is the sink's threshold: it is given only the notifications its threshold wants.
	// nil gives it every one (the team channels judge each channel's own).
	wants *monitor.Sink
	// run reads updates until ctx ends, and returns once everything it started has.
	run func(ctx context.Context, updates <-chan monitor.Update)
}

// watch is the one run of Paywatch, with a tray or without: the watcher's updates go to every
// sink until ctx ends. It returns the watcher's error once the watcher and every sink have
// returned.
func watch(ctx context.Context, w *monitor.Watcher, sinks ...sink) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	var outs []sinkIn
	for _, s := range sinks {
		if s.run == nil {
			continue // a sink that is not set up, such as team channels when there are none
		}
		in := make(chan monitor.Update, 4)
		outs = append(outs, sinkIn{wants: s.wants, in: in})
		wg.Go(func() { s.run(ctx, in) })
	}
	from := make(chan monitor.Update, 4)
	wg.Go(func() { fanOut(ctx, from, outs) })
	err := w.Run(ctx, from)
	cancel()
	return err
}

type sinkIn struct {
	wants *monitor.Sink
	in    chan<- monitor.Update
}

// fanOut gives every update to each sink, with the notifications that sink wants, until ctx
// ends.
func fanOut(ctx context.Context, from <-chan monitor.Update, outs []sinkIn) {
	for {
		select {
		case <-ctx.Done():
			return
		case u := <-from:
			for _, out := range outs {
				v := u
				if out.wants != nil {
					v.Notifications = out.wants.Filter(u.Notifications)
				}
				select {
				case out.in <- v:
				case <-ctx.Done():
					return
				}
			}
		}
	}
}
