package cli

import (
	"context"
	"os"
	"runtime/debug"

	"github.com/paywatch/paywatch/monitor"
)

// headlessGCPercent is the garbage collector's target for `run --headless`: the heap may grow
// 50 % over what is live before a collection, instead of Go's default 100 %. A watcher's live
// heap is small and steady, so this holds its memory near what it uses for little CPU: at 2,000
// pages, 55–57 MB instead of 66–69 MB, at 1.6–1.8× the floor's checks per CPU-second for
// changing pages instead of 2.0–2.3× (headless build, before the heap per service was halved).
const headlessGCPercent = 50

// tuneMemory sets the collector's target for a long run, unless GOGC in the environment does.
func tuneMemory(percent int) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(percent)
	}
}

// releaseSink hands the start-up's garbage back to the system once every service has been
// checked (headless; the tray does it once its menu for that round is drawn).
func releaseSink() sink {
	return sink{name: "memory", run: func(ctx context.Context, updates <-chan monitor.Update) {
		var start firstRound
		for {
			select {
			case <-ctx.Done():
				return
			case u := <-updates:
				start.after(u.Snapshot)
			}
		}
	}}
}

// firstRound tells when every service has been checked once since start: the moment the
// start-up's garbage (every page read in full, at once) can be handed back to the system, once,
// instead of being kept as room the heap will not need again.
type firstRound struct{ done bool }

// after is called with each update; it returns the system its spare memory the first time the
// snapshot shows every service checked.
func (f *firstRound) after(s monitor.Snapshot) {
	if f.done || len(s.Services) == 0 {
		return
	}
	for _, st := range s.Services {
		if st.CheckedAt.IsZero() {
			return
		}
	}
	f.done = true
	debug.FreeOSMemory()
}
