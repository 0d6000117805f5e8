package cli

import (
	"os"
	"runtime/debug"

	"github.com/paywatch/paywatch/monitor"
)

// gcPercent is the garbage collector's target for the long-running modes (tray and headless):
// the heap may grow 50 % over what is live before a collection, instead of Go's default 100 %.
// A watcher's live heap is small and steady, so this holds its memory near what it uses for
// little CPU: at 2,000 pages, 58 MB instead of 69 MB, at 1.6–2.0× the floor's checks per
// CPU-second instead of 2.0–2.3× (README, Footprint). GOGC in the environment still wins.
const gcPercent = 50

// tuneMemory sets the collector's target for a long run.
func tuneMemory() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
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
