package monitor_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// The engine tests run in synctest bubbles with fake checkers: time is fake, so no test sleeps for
// luck, and there is no network inside a bubble.

// calls records when each target was checked.
type calls struct {
	mu sync.Mutex
	at map[string][]time.Time
}

func newCalls() *calls { return &calls{at: map[string][]time.Time{}} }

// checker returns a fake that records the call and then answers with do(n), n counting from 1.
func (c *calls) checker(key string, do func(ctx context.Context, n int) error) monitor.Checker {
	return monitor.CheckerFunc(func(ctx context.Context) (monitor.Report, error) {
		c.mu.Lock()
		c.at[key] = append(c.at[key], time.Now())
		n := len(c.at[key])
		c.mu.Unlock()
		var err error
		if do != nil {
			err = do(ctx, n)
		}
		if err != nil {
			return monitor.Report{}, err
		}
		return monitor.Report{Indicator: monitor.StateOperational}, nil
	})
}

func (c *calls) times(key string) []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Time(nil), c.at[key]...)
}

func gaps(ts []time.Time) []time.Duration {
	var out []time.Duration
	for i := 1; i < len(ts); i++ {
		out = append(out, ts[i].Sub(ts[i-1]))
	}
	return out
}

func target(id string, interval time.Duration, ch monitor.Checker) monitor.Target {
	return monitor.Target{ServiceID: id, SourceID: "page", Kind: monitor.KindPage, URL: "https://status." + id + ".example", Interval: interval, Checker: ch}
}

// targets is n page targets svc0… checked every interval, each call recorded in c.
func (c *calls) targets(n int, interval time.Duration) []monitor.Target {
	var out []monitor.Target
	for i := range n {
		id := fmt.Sprintf("svc%d", i)
		out = append(out, target(id, interval, c.checker(id, nil)))
	}
	return out
}

// runEngine starts the engine in the bubble; stop cancels it and waits for Run to return.
func runEngine(t *testing.T, e *monitor.Engine) (obs chan monitor.Observation, stop func()) {
	t.Helper()
	obs = make(chan monitor.Observation, 1000)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx, obs) }()
	return obs, func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	}
}

func TestEngineFirstRoundWithinStagger(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		c := newCalls()
		targets := c.targets(8, time.Minute)
		const stagger = 4 * time.Second
		_, stop := runEngine(t, monitor.NewEngine(targets, monitor.EngineOptions{Stagger: stagger}))
		time.Sleep(stagger)
		synctest.Wait()
		stop()
		seen := map[time.Duration]bool{}
		for _, tg := range targets {
			ts := c.times(tg.ServiceID)
			if len(ts) != 1 {
				t.Fatalf("%s checked %d times in the first %v, want 1", tg.ServiceID, len(ts), stagger)
			}
			d := ts[0].Sub(start)
			if d < 0 || d >= stagger {
				t.Errorf("%s first checked after %v, want within [0, %v)", tg.ServiceID, d, stagger)
			}
			seen[d] = true
		}
		if len(seen) < len(targets) {
			t.Errorf("first checks at only %d distinct moments for %d targets, want them spread", len(seen), len(targets))
		}
	})
}

func TestEngineSingleTargetStartsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		c := newCalls()
		obs, stop := runEngine(t, monitor.NewEngine([]monitor.Target{target("solo", time.Minute, c.checker("solo", nil))}, monitor.EngineOptions{}))
		synctest.Wait()
		ts := c.times("solo")
		if len(ts) != 1 || !ts[0].Equal(start) {
			t.Errorf("checks at %v, want one at the start %v", ts, start)
		}
		o := <-obs
		if o.Target != "solo/page" || o.Err != nil || o.Report.Indicator != monitor.StateOperational || !o.At.Equal(start) {
			t.Errorf("observation = %+v, want solo/page operational at the start", o)
		}
		stop()
	})
}

func TestEngineIntervalJitter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const interval = time.Minute
		c := newCalls()
		targets := c.targets(5, interval)
		_, stop := runEngine(t, monitor.NewEngine(targets, monitor.EngineOptions{}))
		time.Sleep(20 * interval)
		synctest.Wait()
		stop()
		// Shortened by up to 15 %, then moved earlier onto the one-second wake grid; never
		// longer than the interval.
		lo, hi := time.Duration(float64(interval)*0.85)-time.Second, interval
		distinct := map[time.Duration]bool{}
		for _, tg := range targets {
			g := gaps(c.times(tg.ServiceID))
			if len(g) < 15 {
				t.Fatalf("%s: only %d checks in %v", tg.ServiceID, len(g)+1, 20*interval)
			}
			for i, d := range g {
				if d < lo || d > hi {
					t.Errorf("%s: gap %d = %v, want within [%v, %v]", tg.ServiceID, i+1, d, lo, hi)
				}
				distinct[d] = true
			}
		}
		if len(distinct) < 10 {
			t.Errorf("only %d distinct gaps: the interval is not jittered", len(distinct))
		}
	})
}

// TestEngineWakesOnTheGrid: after the first round, every check starts on a whole second, so
// that checks due within the same second share one wake-up of the process; and no check comes
// later than its interval after the one before.
func TestEngineWakesOnTheGrid(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const interval, n = 30 * time.Second, 40
		c := newCalls()
		targets := c.targets(n, interval)
		_, stop := runEngine(t, monitor.NewEngine(targets, monitor.EngineOptions{}))
		time.Sleep(10 * interval)
		synctest.Wait()
		stop()
		wakes := map[time.Time]int{}
		checks := 0
		for _, tg := range targets {
			ts := c.times(tg.ServiceID)
			if len(ts) < 9 {
				t.Fatalf("%s: only %d checks in %v", tg.ServiceID, len(ts), 10*interval)
			}
			for i, at := range ts[1:] { // the first round is staggered over two seconds
				if at.Nanosecond() != 0 {
					t.Errorf("%s: check %d at %s, not on a whole second", tg.ServiceID, i+2, at.Format("15:04:05.000000"))
				}
				if gap := at.Sub(ts[i]); gap > interval {
					t.Errorf("%s: check %d came %v after the one before, later than the interval %v", tg.ServiceID, i+2, gap, interval)
				}
				wakes[at]++
				checks++
			}
		}
		// 40 targets over 30 s: the grid has 30 seconds, so at most 31 wake-ups per interval
		// (the first round's 40 separate starts would give 40).
		if perInterval := float64(len(wakes)) / float64(checks) * n; perInterval > 31 {
			t.Errorf("%d checks in %d wake-ups: %.1f wake-ups per interval, want at most 31", checks, len(wakes), perInterval)
		}
	})
}

func TestEngineBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const interval = time.Minute
		c := newCalls()
		down := errors.New("connection refused")
		// Fails six times, then works.
		ch := c.checker("svc", func(_ context.Context, n int) error {
			if n <= 6 {
				return down
			}
			return nil
		})
		_, stop := runEngine(t, monitor.NewEngine([]monitor.Target{target("svc", interval, ch)}, monitor.EngineOptions{}))
		time.Sleep(40 * time.Minute)
		synctest.Wait()
		stop()
		// After the nth failure the wait is interval × 2^(n-1), capped at 8 × interval; after a
		// success it is the interval again.
		want := []time.Duration{1, 2, 4, 8, 8, 8, 1, 1}
		g := gaps(c.times("svc"))
		if len(g) < len(want) {
			t.Fatalf("only %d checks: %v", len(g)+1, g)
		}
		for i, m := range want {
			base := m * interval
			lo, hi := time.Duration(float64(base)*0.85)-time.Second, base
			if g[i] < lo || g[i] > hi {
				t.Errorf("gap %d = %v, want %v less up to 15 %% and a second", i+1, g[i], base)
			}
		}
	})
}

func TestEngineRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCalls()
		ch := c.checker("svc", func(_ context.Context, n int) error {
			if n == 1 {
				return &monitor.HTTPError{URL: "https://status.svc.example", Code: 429, RetryAfter: 10 * time.Minute}
			}
			return nil
		})
		_, stop := runEngine(t, monitor.NewEngine([]monitor.Target{target("svc", time.Minute, ch)}, monitor.EngineOptions{}))
		time.Sleep(15 * time.Minute)
		synctest.Wait()
		stop()
		g := gaps(c.times("svc"))
		if len(g) == 0 {
			t.Fatal("never checked again")
		}
		if g[0] < 10*time.Minute || g[0] > 10*time.Minute+10*time.Second {
			t.Errorf("after Retry-After: 10m the next check came after %v, want 10m", g[0])
		}
	})
}

func TestEngineCheckNow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		c := newCalls()
		release := make(chan struct{})
		ch := c.checker("svc", func(_ context.Context, n int) error {
			if n == 2 {
				<-release // hold the second check while more requests arrive
			}
			return nil
		})
		e := monitor.NewEngine([]monitor.Target{target("svc", time.Hour, ch)}, monitor.EngineOptions{})
		_, stop := runEngine(t, e)
		synctest.Wait()

		time.Sleep(10 * time.Minute)
		e.CheckNow()
		synctest.Wait()
		if got := len(c.times("svc")); got != 2 {
			t.Fatalf("after CheckNow: %d checks, want 2", got)
		}
		for range 5 {
			e.CheckNow() // all while the check is running: merged into one
		}
		close(release)
		synctest.Wait()
		time.Sleep(30 * time.Minute)
		synctest.Wait()
		ts := c.times("svc")
		stop()
		if len(ts) != 3 {
			t.Fatalf("checks at %v, want 3 (start, CheckNow, one for the merged requests)", ts)
		}
		for i, want := range []time.Duration{0, 10 * time.Minute, 10 * time.Minute} {
			if got := ts[i].Sub(start); got != want {
				t.Errorf("check %d after %v, want %v", i+1, got, want)
			}
		}
	})
}

// TestEngineCheckNowIsPolite: "Check now" (and waking up, and coming back online) checks a status
// page at once, but never probes a provider's website within five minutes of the last probe,
// and never checks a site before the time its Retry-After asked for.
func TestEngineCheckNowIsPolite(t *testing.T) {
	probe := func(id string, ch monitor.Checker) monitor.Target {
		return monitor.Target{ServiceID: id, SourceID: "probe:www." + id + ".example", Kind: monitor.KindProbe, URL: "https://www." + id + ".example/", Interval: 20 * time.Minute, Checker: ch}
	}
	tests := []struct {
		name   string
		target func(c *calls) monitor.Target
		// nudges are when CheckNow is pressed, after the start; want are the checks that follow.
		nudges []time.Duration
		want   []time.Duration
	}{
		{name: "a status page: at once",
			target: func(c *calls) monitor.Target { return target("page", time.Hour, c.checker("page", nil)) },
			nudges: []time.Duration{time.Minute, 2 * time.Minute},
			want:   []time.Duration{0, time.Minute, 2 * time.Minute}},
		{name: "a website: not within five minutes of its last probe",
			target: func(c *calls) monitor.Target { return probe("visa", c.checker("probe", nil)) },
			nudges: []time.Duration{time.Minute, 4 * time.Minute, 6 * time.Minute, 7 * time.Minute},
			want:   []time.Duration{0, 6 * time.Minute}},
		{name: "a site that asked to wait: not before Retry-After",
			target: func(c *calls) monitor.Target {
				return target("page", time.Hour, c.checker("page", func(_ context.Context, n int) error {
					if n == 1 {
						return &monitor.HTTPError{URL: "https://status.page.example", Code: 503, RetryAfter: 30 * time.Minute}
					}
					return nil
				}))
			},
			nudges: []time.Duration{time.Minute, 29 * time.Minute, 31 * time.Minute},
			want:   []time.Duration{0, 31 * time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				c := newCalls()
				tg := tt.target(c)
				e := monitor.NewEngine([]monitor.Target{tg}, monitor.EngineOptions{})
				_, stop := runEngine(t, e)
				synctest.Wait()
				for _, at := range tt.nudges {
					time.Sleep(start.Add(at).Sub(time.Now()))
					e.CheckNow()
					synctest.Wait()
				}
				stop()
				var got []time.Duration
				for _, k := range []string{"page", "probe"} {
					for _, ts := range c.times(k) {
						got = append(got, ts.Sub(start))
					}
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("checks at %v, want %v", got, tt.want)
				}
			})
		})
	}
}

func TestEngineMaxInFlight(t *testing.T) {
	tests := []struct {
		name     string
		targets  int
		hosts    int
		opt      monitor.EngineOptions
		wantPeak int
	}{
		{name: "global limit", targets: 12, hosts: 12, opt: monitor.EngineOptions{MaxInFlight: 3, Stagger: time.Millisecond}, wantPeak: 3},
		{name: "per-host limit", targets: 6, hosts: 1, opt: monitor.EngineOptions{MaxInFlight: 8, PerHost: 2, Stagger: time.Millisecond}, wantPeak: 2},
		{name: "defaults", targets: 20, hosts: 20, opt: monitor.EngineOptions{Stagger: time.Millisecond}, wantPeak: 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var inFlight, peak, done atomic.Int32
				slow := monitor.CheckerFunc(func(ctx context.Context) (monitor.Report, error) {
					n := inFlight.Add(1)
					for {
						p := peak.Load()
						if n <= p || peak.CompareAndSwap(p, n) {
							break
						}
					}
					time.Sleep(5 * time.Second)
					inFlight.Add(-1)
					done.Add(1)
					return monitor.Report{}, nil
				})
				var targets []monitor.Target
				for i := range tt.targets {
					tg := target(fmt.Sprintf("svc%d", i), time.Hour, slow)
					tg.URL = fmt.Sprintf("https://host%d.example/status", i%tt.hosts)
					targets = append(targets, tg)
				}
				_, stop := runEngine(t, monitor.NewEngine(targets, tt.opt))
				time.Sleep(10 * time.Minute)
				synctest.Wait()
				stop()
				if got := peak.Load(); got != int32(tt.wantPeak) {
					t.Errorf("peak in flight = %d, want %d", got, tt.wantPeak)
				}
				if got := done.Load(); got != int32(tt.targets) {
					t.Errorf("%d checks finished, want all %d", got, tt.targets)
				}
			})
		})
	}
}

func TestEngineSlowHostDoesNotBlockOthers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		c := newCalls()
		var targets []monitor.Target
		for i := range 4 {
			id := fmt.Sprintf("slow%d", i)
			tg := target(id, time.Hour, c.checker(id, func(context.Context, int) error {
				time.Sleep(time.Minute) // a host that takes ages to answer
				return nil
			}))
			tg.URL = "https://slow.example/" + id
			targets = append(targets, tg)
		}
		targets = append(targets, target("quick", time.Hour, c.checker("quick", nil)))
		_, stop := runEngine(t, monitor.NewEngine(targets, monitor.EngineOptions{MaxInFlight: 2, PerHost: 1, Stagger: time.Second}))
		time.Sleep(5 * time.Second)
		synctest.Wait()
		ts := c.times("quick")
		stop()
		if len(ts) != 1 || ts[0].Sub(start) > time.Second {
			t.Errorf("quick host checked at %v, want once within the 1 s stagger while slow.example is busy", ts)
		}
	})
}

func TestEngineRunEndsItsGoroutines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var started, returned atomic.Int32
		hang := monitor.CheckerFunc(func(ctx context.Context) (monitor.Report, error) {
			started.Add(1)
			defer returned.Add(1)
			<-ctx.Done() // a check that only ends with its context
			return monitor.Report{}, ctx.Err()
		})
		var targets []monitor.Target
		for i := range 5 {
			targets = append(targets, target(fmt.Sprintf("svc%d", i), time.Minute, hang))
		}
		// An unread, unbuffered channel: the loops are also stuck sending at times.
		out := make(chan monitor.Observation)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- monitor.NewEngine(targets, monitor.EngineOptions{MaxInFlight: 3}).Run(ctx, out) }()
		time.Sleep(5 * time.Second)
		synctest.Wait()
		if got := started.Load(); got != 3 {
			t.Errorf("%d checks running, want 3 (MaxInFlight)", got)
		}
		select {
		case err := <-done:
			t.Fatalf("Run returned %v before its context ended", err)
		default:
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
		if s, r := started.Load(), returned.Load(); s != r {
			t.Errorf("Run returned with %d of %d checks still running", s-r, s)
		}
		// synctest.Test itself fails if any goroutine of the bubble is left blocked.
	})
}

func TestNextDelay(t *testing.T) {
	rateLimited := &monitor.HTTPError{Code: 429, RetryAfter: 5 * time.Minute}
	wrapped := fmt.Errorf("statuspage: %w", &monitor.HTTPError{Code: 503, RetryAfter: 2 * time.Hour})
	tests := []struct {
		name     string
		interval time.Duration
		fails    int
		err      error
		u        float64
		want     time.Duration
	}{
		{"u=0 keeps the interval", time.Minute, 0, nil, 0, time.Minute},
		{"u=1 shortens it by 15 %", time.Minute, 0, nil, 1, 51 * time.Second},
		{"never longer than the interval", time.Minute, 0, nil, 0.999999, time.Duration(float64(time.Minute) * (1 - 0.15*0.999999))},
		{"first failure waits an interval", time.Minute, 1, errors.New("x"), 0, time.Minute},
		{"second failure doubles", time.Minute, 2, errors.New("x"), 0, 2 * time.Minute},
		{"third", time.Minute, 3, errors.New("x"), 0, 4 * time.Minute},
		{"fourth reaches 8x", time.Minute, 4, errors.New("x"), 0, 8 * time.Minute},
		{"capped at 8x", time.Minute, 20, errors.New("x"), 0, 8 * time.Minute},
		{"long intervals capped at +10 minutes", 5 * time.Minute, 10, errors.New("x"), 0, 15 * time.Minute},
		{"cap jittered too", time.Minute, 20, errors.New("x"), 1, time.Duration(float64(8*time.Minute) * 0.85)},
		{"Retry-After longer than the delay", time.Minute, 1, rateLimited, 0, 5 * time.Minute},
		{"Retry-After shorter than the delay", time.Hour, 1, rateLimited, 0, time.Hour},
		{"Retry-After capped at an hour, found through wrapping", time.Minute, 1, wrapped, 0, time.Hour},
		{"huge failure count does not overflow", 30 * time.Second, 1 << 20, errors.New("x"), 0, 4 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := monitor.NextDelay(tt.interval, tt.fails, tt.err, tt.u); got != tt.want {
				t.Errorf("NextDelay(%v, %d, %v, %v) = %v, want %v", tt.interval, tt.fails, tt.err, tt.u, got, tt.want)
			}
		})
	}
}

func TestEngineBacksOffFromLimitingWebsites(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var times []time.Time
		limited := monitor.CheckerFunc(func(context.Context) (monitor.Report, error) {
			times = append(times, time.Now())
			return monitor.Report{Probe: &monitor.ProbeResult{StatusCode: 429, State: monitor.StateOperational, RetryAfter: 20 * time.Minute}}, nil
		})
		tg := monitor.Target{ServiceID: "amex", SourceID: "probe", Kind: monitor.KindProbe, URL: "https://www.example.com/", Interval: 5 * time.Minute, Checker: limited}
		e := monitor.NewEngine([]monitor.Target{tg}, monitor.EngineOptions{})
		ctx, cancel := context.WithCancel(t.Context())
		out := make(chan monitor.Observation)
		done := make(chan struct{})
		go func() { e.Run(ctx, out); close(done) }()
		for range 2 {
			<-out
		}
		cancel()
		<-done
		if gap := times[1].Sub(times[0]); gap < 20*time.Minute {
			t.Errorf("second check %v after a 429 with Retry-After 20m, want at least 20m", gap)
		}
	})
}
