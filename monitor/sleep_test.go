package monitor_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// The sleep tests run the watcher in a synctest bubble with fake status pages: time is fake, and
// the wall clock is the bubble's clock plus an offset the test moves, as a machine waking up from
// sleep sees it. There is no network inside the bubble.

// fakePages are status pages whose state the test sets.
type fakePages struct {
	mu     sync.Mutex
	states map[string]monitor.State
}

func (p *fakePages) set(id string, s monitor.State) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.states[id] = s
}

func (p *fakePages) spec(id, name string) monitor.ServiceSpec {
	check := monitor.CheckerFunc(func(ctx context.Context) (monitor.Report, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		return monitor.Report{PageName: name, Indicator: p.states[id]}, nil
	})
	return monitor.ServiceSpec{ID: id, Name: name, Targets: []monitor.Target{{
		ServiceID: id, SourceID: "page", Kind: monitor.KindPage, Platform: "statuspage",
		URL: "https://status." + id + ".example", Interval: time.Minute, Checker: check,
	}}}
}

// sleepWatch is a watcher running in the bubble, and what it has said.
type sleepWatch struct {
	w      *monitor.Watcher
	offset atomic.Int64 // added to the wall clock
	stop   func()

	mu    sync.Mutex
	snap  monitor.Snapshot
	notes []monitor.Notification
}

func startSleepWatch(t *testing.T, pages *fakePages, specs []monitor.ServiceSpec) *sleepWatch {
	t.Helper()
	return startBubbleWatch(t, specs, monitor.WatcherOptions{})
}

// startBubbleWatch starts a watcher with the options, a quick stagger, a 15 s sleep tick and a
// wall clock the test can move.
func startBubbleWatch(t *testing.T, specs []monitor.ServiceSpec, o monitor.WatcherOptions) *sleepWatch {
	t.Helper()
	sw := &sleepWatch{}
	o.Engine.Stagger = time.Millisecond
	o.SleepTick = 15 * time.Second
	o.Wall = func() time.Time { return time.Now().Add(time.Duration(sw.offset.Load())) }
	sw.w = monitor.NewWatcher(specs, o)
	ctx, cancel := context.WithCancel(context.Background())
	updates := make(chan monitor.Update)
	done := make(chan error, 1)
	go func() { done <- sw.w.Run(ctx, updates) }()
	go func() {
		for {
			select {
			case u := <-updates:
				sw.mu.Lock()
				sw.snap = u.Snapshot
				sw.notes = append(sw.notes, u.Notifications...)
				sw.mu.Unlock()
			case <-ctx.Done():
				return
			}
		}
	}()
	sw.stop = func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	}
	return sw
}

// take returns what was notified since the last take.
func (sw *sleepWatch) take() []monitor.Notification {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	n := sw.notes
	sw.notes = nil
	return n
}

func (sw *sleepWatch) state(id string) monitor.State {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	return serviceIn(sw.snap, id).State
}

func titlesOf(ns []monitor.Notification) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.Title)
	}
	return out
}

func sortedLines(s string) []string {
	lines := strings.Split(s, "\n")
	slices.Sort(lines)
	return lines
}

// TestWatcherSleep: a jump in the wall clock means the machine slept. Everything is checked again
// and one "While you were away" summary replaces the burst of changes; afterwards changes notify
// as usual again.
func TestWatcherSleep(t *testing.T) {
	tests := []struct {
		name      string
		jump      time.Duration
		change    bool
		want      []string // titles, sorted
		wantLines []string // the summary's lines, sorted
	}{
		{name: "three hours asleep while services changed: one summary", jump: 3 * time.Hour, change: true,
			want:      []string{"While you were away (3 hours)"},
			wantLines: []string{"Adyen: major outage.", "Braintree: degraded.", "Checkout is working normally again (it was: partial outage)."}},
		{name: "three hours asleep, nothing changed: nothing to say", jump: 3 * time.Hour},
		{name: "the clock drifting is not sleep: changes notify as usual", jump: 50 * time.Second, change: true,
			want: []string{"Paywatch: 3 changes at once"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				pages := &fakePages{states: map[string]monitor.State{"adyen": operational, "braintree": operational, "checkout": partial}}
				sw := startSleepWatch(t, pages, []monitor.ServiceSpec{
					pages.spec("adyen", "Adyen"), pages.spec("braintree", "Braintree"), pages.spec("checkout", "Checkout")})
				defer sw.stop()

				// The first round gives the baseline, which is not news.
				time.Sleep(10 * time.Second)
				synctest.Wait()
				if got := sw.state("adyen"); got != operational {
					t.Fatalf("after the first round Adyen is %v, want operational", got)
				}
				if got := sw.take(); len(got) != 0 {
					t.Fatalf("start-up notified %q, want nothing", titlesOf(got))
				}

				// The machine sleeps; meanwhile the providers change. It wakes up just before the
				// next sleep tick (15 s after the start), before any page is due again.
				if tt.change {
					pages.set("adyen", major)
					pages.set("braintree", degraded)
					pages.set("checkout", operational)
				}
				sw.offset.Store(int64(tt.jump))
				time.Sleep(5 * time.Second)
				synctest.Wait()
				// Asking for a round, as the menu's "Check now" does, changes nothing: after a sleep
				// the watcher has just checked everything; otherwise this is when it hears.
				sw.w.CheckNow()
				time.Sleep(5 * time.Minute) // rounds and policy ticks come and go
				synctest.Wait()

				got := sw.take()
				titles := titlesOf(got)
				slices.Sort(titles)
				if !slices.Equal(titles, tt.want) {
					t.Fatalf("after waking up: notified %q, want %q", titles, tt.want)
				}
				if tt.wantLines != nil {
					if lines := sortedLines(got[0].Body); !slices.Equal(lines, tt.wantLines) {
						t.Errorf("summary lines = %q, want %q", lines, tt.wantLines)
					}
					if got[0].State != major || got[0].ServiceID != "" {
						t.Errorf("summary state %v, service %q; want major_outage, none", got[0].State, got[0].ServiceID)
					}
				}
				if tt.change {
					if got := sw.state("adyen"); got != major {
						t.Errorf("Adyen is %v after waking up, want major outage", got)
					}
				}

				// Afterwards, a real change notifies as usual.
				pages.set("adyen", operational)
				pages.set("braintree", major)
				time.Sleep(2 * time.Minute)
				synctest.Wait()
				want := []string{"Adyen is back to normal", "Braintree: Major outage"}
				if !tt.change {
					want = []string{"Braintree: Major outage"}
				}
				titles = titlesOf(sw.take())
				slices.Sort(titles)
				if !slices.Equal(titles, want) {
					t.Errorf("a later change notified %q, want %q", titles, want)
				}
			})
		})
	}
}

// TestWatcherMaintenanceAheadAtOnce: planned work announced on a page is notified as soon as
// the storm window has passed, not at the policy's next minute.
func TestWatcherMaintenanceAheadAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var planned []monitor.Maintenance
		check := monitor.CheckerFunc(func(ctx context.Context) (monitor.Report, error) {
			mu.Lock()
			defer mu.Unlock()
			return monitor.Report{PageName: "Globex Payroll", Indicator: operational, Maintenances: slices.Clone(planned)}, nil
		})
		sw := startSleepWatch(t, nil, []monitor.ServiceSpec{{ID: "globex", Name: "Globex Payroll", Targets: []monitor.Target{{
			ServiceID: "globex", SourceID: "page", Kind: monitor.KindPage, Platform: "statuspage",
			URL: "https://status.globex.example", Interval: time.Hour, Checker: check,
		}}}})
		defer sw.stop()
		time.Sleep(5 * time.Second) // the first round: the baseline
		synctest.Wait()

		mu.Lock()
		planned = []monitor.Maintenance{{ID: "m1", Title: "Payroll system upgrade", Status: "scheduled",
			StartsAt: time.Now().Add(2 * time.Hour), EndsAt: time.Now().Add(3 * time.Hour)}}
		mu.Unlock()
		sw.w.CheckNow()
		time.Sleep(monitor.StormWindow + time.Second)
		synctest.Wait()
		if got := titlesOf(sw.take()); !slices.Equal(got, []string{"Globex Payroll: maintenance in 2 hours"}) {
			t.Errorf("%v after the announcement: notified %q, want the maintenance ahead", monitor.StormWindow+time.Second, got)
		}
	})
}
