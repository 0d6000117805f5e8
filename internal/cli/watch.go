package cli

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// watchOptions are what the watcher is built from, with or without a tray.
type watchOptions struct {
	cfg   *monitor.Config
	specs []monitor.ServiceSpec
	// conn tells whether this machine is online; nil never doubts it (the demo).
	conn *monitor.Connectivity
	// statePath is where what was told, snoozed and acknowledged is kept; "" keeps nothing.
	statePath string
	log       *slog.Logger
}

func newWatcher(o watchOptions) *monitor.Watcher {
	state, err := monitor.LoadPolicyState(o.statePath)
	if err != nil {
		o.log.Warn("alert state reset", "err", err)
	}
	return monitor.NewWatcher(o.specs, monitor.WatcherOptions{
		Alerts: o.cfg.Alerts, Logger: o.log, Connectivity: o.conn,
		Policy: monitor.NewPolicy(o.cfg.Alerts, monitor.PerServiceSeverity(o.specs), time.Local),
		State:  state, StatePath: o.statePath,
	})
}

// A sink takes the watcher's updates: the tray with its notifications, desktop notifications
// alone, the team channels (and, later, the history).
type sink struct {
	name string
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
	ins := make([]chan monitor.Update, 0, len(sinks))
	for _, s := range sinks {
		if s.run == nil {
			continue // a sink that is not set up, such as team channels when there are none
		}
		in := make(chan monitor.Update, 4)
		ins = append(ins, in)
		wg.Go(func() { s.run(ctx, in) })
	}
	from := make(chan monitor.Update, 4)
	wg.Go(func() { fanOut(ctx, from, ins) })
	err := w.Run(ctx, from)
	cancel()
	return err
}

// fanOut gives every update to each sink, in order, until ctx ends.
func fanOut(ctx context.Context, in <-chan monitor.Update, outs []chan monitor.Update) {
	for {
		select {
		case <-ctx.Done():
			return
		case u := <-in:
			for _, out := range outs {
				select {
				case out <- u:
				case <-ctx.Done():
					return
				}
			}
		}
	}
}
