package history

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// clock is a wall clock a test moves.
type clock struct{ ms atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.set(t)
	return c
}

func (c *clock) set(t time.Time)          { c.ms.Store(t.UnixNano()) }
func (c *clock) now() time.Time           { return time.Unix(0, c.ms.Load()).UTC() }
func (c *clock) add(d time.Duration)      { c.ms.Add(int64(d)) }
func (c *clock) opts(o Options) Options   { o.Now = c.now; return o }
func at(s string) time.Time               { return mustTime(time.RFC3339, s) }
func mustTime(layout, s string) time.Time { t, err := time.Parse(layout, s); must(err); return t }
func must(err error) {
	if err != nil {
		panic(err)
	}
}
func ptr[T any](v T) *T               { return &v }
func minutes(d time.Duration) float64 { return d.Minutes() }
func near(a, b float64) bool          { return a-b < 0.01 && b-a < 0.01 }
func statesOf(evs []Event) (out []string) {
	for _, e := range evs {
		out = append(out, StateName(e.To))
	}
	return
}

func newTestLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// testStore opens a store in a temporary folder; its heartbeat is off unless o sets one, so
// that a test's jumps of the wall clock are not taken for sleep.
func testStore(t *testing.T, o Options) *Store {
	t.Helper()
	if o.Heartbeat == 0 {
		o.Heartbeat = 1000 * time.Hour
	}
	s, n, err := Open(filepath.Join(t.TempDir(), "history.db"), o)
	if err != nil {
		t.Fatal(err)
	}
	if !n.IsZero() {
		t.Fatalf("fresh database gave a notice: %s", n)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// running starts Run and returns a function that stops it and waits for it.
func running(t *testing.T, s *Store) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = s.Run(ctx) })
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	t.Cleanup(stop)
	return stop
}

func flush(t testing.TB, s *Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("flush: %v", err)
	}
}

// world builds the snapshots a watcher would send.
type world struct {
	clock    *clock
	services []monitor.ServiceStatus
	offline  string
}

func page(state monitor.State, reason string) monitor.SourceStatus {
	return monitor.SourceStatus{ID: "page", Kind: "page", Platform: "statuspage", URL: "https://status.example.com", State: state, Reason: reason}
}

func probe(host string, state monitor.State, verdict string) monitor.SourceStatus {
	return monitor.SourceStatus{ID: "probe:" + host, Kind: "probe", Platform: "probe", URL: "https://" + host, State: state, Verdict: verdict}
}

func (w *world) svc(id string) *monitor.ServiceStatus {
	for i := range w.services {
		if w.services[i].ID == id {
			return &w.services[i]
		}
	}
	panic("no service " + id)
}

// set moves a service (and its page source) to a state now.
func (w *world) set(id string, st monitor.State, reason string) {
	sv := w.svc(id)
	if sv.State != st {
		sv.Since = w.clock.now()
	}
	sv.State, sv.Reason = st, reason
	for i := range sv.Sources {
		if sv.Sources[i].Kind == "page" {
			sv.Sources[i].State, sv.Sources[i].Reason, sv.Sources[i].CheckedAt = st, reason, w.clock.now()
		}
	}
}

func (w *world) setProbe(id string, st monitor.State, verdict string) {
	sv := w.svc(id)
	for i := range sv.Sources {
		if sv.Sources[i].Kind == "probe" {
			sv.Sources[i].State, sv.Sources[i].Verdict, sv.Sources[i].CheckedAt = st, verdict, w.clock.now()
		}
	}
}

// update is the watcher's Update now, sharing nothing with the world.
func (w *world) update(notes ...monitor.Notification) monitor.Update {
	snap := monitor.Snapshot{At: w.clock.now(), Offline: w.offline != "", OfflineReason: w.offline, Services: slices.Clone(w.services)}
	for i := range snap.Services {
		sv := &snap.Services[i]
		sv.Sources = slices.Clone(sv.Sources)
		sv.Incidents = slices.Clone(sv.Incidents)
		sv.Maintenances = slices.Clone(sv.Maintenances)
		sv.Resolved = slices.Clone(sv.Resolved)
	}
	for i := range notes {
		if notes[i].At.IsZero() {
			notes[i].At = w.clock.now()
		}
	}
	return monitor.Update{Snapshot: snap, Notifications: notes}
}
