package cli

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/channels"
	"github.com/paywatch/paywatch/monitor/history"
)

// historyOptions are the store's options from the settings' `history:` section.
func historyOptions(cfg *monitor.Config, log *slog.Logger) history.Options {
	return history.Options{Keep: time.Duration(cfg.History.Keep), MaxBytes: int64(cfg.History.MaxSize), Logger: log.With("component", "history")}
}

// openHistory opens the history for recording. It returns nil, with the reason logged and as the
// notice, when there is none to be had (monitoring goes on without it); a corrupt file moved
// aside is said in the notice, and logged. With `history: {enabled: false}` it returns nil and
// no notice: nothing is recorded, as the user asked.
func openHistory(cfg *monitor.Config, log *slog.Logger) (*history.Store, string) {
	if !cfg.History.Recording() {
		log.Info("history off in the settings; nothing is recorded")
		return nil, ""
	}
	path, err := history.DefaultPath()
	if err != nil {
		log.Error("history unavailable", "err", err)
		return nil, "The history cannot be kept: " + err.Error()
	}
	st, notice, err := history.Open(path, historyOptions(cfg, log))
	if err != nil {
		log.Error("history unavailable", "path", path, "err", err)
		return nil, "The history cannot be kept: " + err.Error()
	}
	if !notice.IsZero() {
		log.Warn("history file moved aside", "path", path, "moved_to", notice.MovedTo, "reason", notice.Reason)
	}
	return st, notice.String()
}

// historySink records every update, with every notification (its threshold is "everything"),
// in the history, and owns the store's only writer (Store.Run): it returns once that has
// written what was queued.
func historySink(st *history.Store, log *slog.Logger) sink {
	rec := historyRecorder(st, log)
	if rec.run == nil {
		return rec
	}
	return sink{name: rec.name, run: func(ctx context.Context, updates <-chan monitor.Update) {
		var wg sync.WaitGroup
		defer wg.Wait()
		wg.Go(func() { runHistory(ctx, st, log) })
		rec.run(ctx, updates)
	}}
}

// runHistory runs the history's only writer until ctx ends and it has written what was queued.
func runHistory(ctx context.Context, st *history.Store, log *slog.Logger) {
	if err := st.Run(ctx); err != nil {
		log.Warn("history: last records not written at shutdown", "err", err)
	}
}

// historyRecorder records every update in the history without running its writer: for a
// watcher that may be replaced while the writer, started once, runs on.
func historyRecorder(st *history.Store, log *slog.Logger) sink {
	if st == nil {
		return sink{name: "history"}
	}
	return sink{name: "history", run: func(ctx context.Context, updates <-chan monitor.Update) {
		var failing bool
		for {
			select {
			case <-ctx.Done():
				return
			case u := <-updates:
				st.Record(u)
				// Say once when writing starts and stops failing (a full disk): monitoring goes on.
				if err := st.Err(); (err != nil) != failing {
					failing = err != nil
					if failing {
						log.Warn("history cannot be written; monitoring goes on", "err", err)
					} else {
						log.Info("history is written again")
					}
				}
			}
		}
	}}
}

// recordOutcomes has the team channels' outcomes recorded in the history.
func recordOutcomes(d *channels.Dispatcher, st *history.Store) {
	if d == nil || st == nil {
		return
	}
	d.OnOutcome(func(o channels.Outcome) { st.RecordDelivery(delivery(o)) })
}

// delivery is a channel's outcome as the history keeps it.
func delivery(o channels.Outcome) history.Delivery {
	out := map[channels.Result]history.Outcome{channels.Delivered: history.OutcomeDelivered, channels.Failed: history.OutcomeFailed,
		channels.Expired: history.OutcomeExpired, channels.Dropped: history.OutcomeExpired}[o.Result]
	n := o.Notification
	return history.Delivery{At: o.At, Channel: o.Channel, ServiceID: n.ServiceID, Title: n.Title, Body: n.Body,
		State: n.State, Severity: n.Severity, Outcome: out, Attempts: o.Attempts, Error: o.Error}
}

// recordSleep is the watcher's OnSleep for the history; nil without one.
func recordSleep(st *history.Store) func(from, to time.Time) {
	if st == nil {
		return nil
	}
	return func(from, to time.Time) { st.RecordGap(history.GapAsleep, from, to) }
}

// historyProblems is what the tray menu says while the history cannot be written.
func historyProblems(status func() history.Status) func() []string {
	if status == nil {
		return nil
	}
	return func() []string {
		st := status()
		var lines []string
		if st.Err != nil {
			lines = append(lines, "History not saved: "+writeProblem(st.Err)+". Paywatch goes on watching.")
		} else if st.Dropped > 0 {
			lines = append(lines, fmt.Sprintf("History: %d records could not be saved", st.Dropped))
		}
		return lines
	}
}

// writeProblem says a write failure in a few words.
func writeProblem(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "full"):
		return "the disk is full"
	case strings.Contains(msg, "readonly"), strings.Contains(msg, "read-only"), strings.Contains(msg, "permission"):
		return "the file cannot be written"
	}
	return strings.TrimPrefix(msg, "history: ")
}

// statusOf is the store's Status, nil without a store.
func statusOf(st *history.Store) func() history.Status {
	if st == nil {
		return nil
	}
	return st.Status
}

// joinNotices puts two notices on one line.
func joinNotices(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + " " + b
}

// joinProblems puts several sources of menu lines together.
func joinProblems(fs ...func() []string) func() []string {
	fs = slices.DeleteFunc(fs, func(f func() []string) bool { return f == nil })
	if len(fs) == 0 {
		return nil
	}
	return func() []string {
		var out []string
		for _, f := range fs {
			out = append(out, f()...)
		}
		return out
	}
}

// setAside lists the damaged history files moved aside next to path, newest first, for
// `paywatch status` (a machine service has no other place to show it).
func setAside(path string) []string {
	found, _ := filepath.Glob(path + ".corrupt-*")
	found = slices.DeleteFunc(found, func(p string) bool { return strings.HasSuffix(p, "-wal") || strings.HasSuffix(p, "-shm") })
	slices.Sort(found)
	slices.Reverse(found)
	return found
}
