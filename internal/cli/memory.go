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
		released := false
		for {
			select {
			case <-ctx.Done():
				return
			case u := <-updates:
				// The start-up's garbage (every page read in full, at once) is room the heap
				// will not need again.
				if !released && u.Snapshot.AllChecked() {
					released = true
					debug.FreeOSMemory()
				}
			}
		}
	}}
}
