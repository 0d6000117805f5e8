package monitor

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// EngineOptions tunes the scheduler. Zero fields take defaults.
type EngineOptions struct {
	MaxInFlight int           // checks running at once (default 8)
	PerHost     int           // checks running at once against one host (default 2)
	Stagger     time.Duration // the first round is spread over this (default 2 s)
	Logger      *slog.Logger
}

// Engine polls targets: one goroutine per target, a jittered timer chosen after each attempt,
// capped exponential backoff on errors, Retry-After honoured, bounded concurrency. The checks
// themselves run on MaxInFlight workers: a target's goroutine only waits, so its stack stays
// small however deep a check's parsing goes (thousands of targets, a few KB each).
type Engine struct {
	targets []Target
	opt     EngineOptions
	log     *slog.Logger
	jobs    chan job
	nudges  []chan struct{}

	mu    sync.Mutex
	hosts map[string]chan struct{}
}

// NewEngine returns an engine for the targets; Run starts it.
func NewEngine(targets []Target, opt EngineOptions) *Engine {
	if opt.MaxInFlight <= 0 {
		opt.MaxInFlight = 8
	}
	if opt.PerHost <= 0 {
		opt.PerHost = 2
	}
	if opt.Stagger <= 0 {
		opt.Stagger = 2 * time.Second
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Engine{targets: targets, opt: opt, log: log, jobs: make(chan job), hosts: map[string]chan struct{}{}}
	for range targets {
		e.nudges = append(e.nudges, make(chan struct{}, 1))
	}
	return e
}

// CheckNow asks every target to be checked at once. It never blocks; requests made while one is
// pending are merged.
func (e *Engine) CheckNow() {
	for _, n := range e.nudges {
		select {
		case n <- struct{}{}:
		default:
		}
	}
}

// Run polls until ctx ends, sending each observation to out. It returns only after every
// goroutine it started has returned.
func (e *Engine) Run(ctx context.Context, out chan<- Observation) error {
	var wg sync.WaitGroup
	for range e.opt.MaxInFlight {
		wg.Go(func() { e.work(ctx) })
	}
	n := len(e.targets)
	for i, t := range e.targets {
		first := time.Duration(0)
		if n > 1 {
			first = e.opt.Stagger * time.Duration(i) / time.Duration(n)
		}
		wg.Go(func() { e.loop(ctx, t, e.nudges[i], first, out) })
	}
	wg.Wait()
	return ctx.Err()
}

func (e *Engine) loop(ctx context.Context, t Target, nudge <-chan struct{}, first time.Duration, out chan<- Observation) {
	key := t.Key()
	hs := e.hostSlot(t.URL)
	done := make(chan Observation, 1)
	timer := time.NewTimer(first)
	defer timer.Stop()
	fails := 0
	// A nudge earlier than notBefore is ignored (see politeGap). It is a wall-clock time, which
	// goes on while the machine sleeps (the monotonic clock does not): after a night's sleep a
	// site probed just before is due again.
	var notBefore time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-nudge:
			if time.Now().Round(0).Before(notBefore) {
				e.log.Debug("check now skipped: too soon for this site", "target", key, "until", notBefore)
				continue
			}
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
		}
		o, ok := e.check(ctx, job{t: t, key: key, done: done}, hs)
		if !ok {
			return
		}
		select {
		case out <- o:
		case <-ctx.Done():
			return
		}
		err := o.Err
		if p := o.Report.Probe; err == nil && p != nil && (p.StatusCode == http.StatusTooManyRequests || p.StatusCode == http.StatusForbidden) {
			// The website limits automated visitors: it answered, but we back off as if it
			// had failed, and honour its Retry-After.
			err = &HTTPError{URL: t.URL, Code: p.StatusCode, RetryAfter: p.RetryAfter}
		}
		if err != nil {
			fails++
			e.log.Debug("check failed", "target", key, "err", err, "failures", fails)
		} else {
			fails = 0
		}
		delay := alignWake(time.Now(), NextDelay(t.Interval, fails, err, rand.Float64()))
		timer.Reset(delay)
		notBefore = time.Now().Round(0).Add(politeGap(t, delay, err))
	}
}

// politeGap is how long after a check "Check now" (and waking up, and coming back online) must
// leave a target alone. A provider's website gets at least DefaultProbeInterval between probes
// and its whole backoff; any site that sent Retry-After gets what it asked for. Status-page
// APIs, made to be polled, can be checked again at once.
func politeGap(t Target, delay time.Duration, err error) time.Duration {
	var gap time.Duration
	if t.Kind == KindProbe && !IsLoopback(t.URL) {
		gap = DefaultProbeInterval
		if err != nil {
			gap = max(gap, delay) // backing off
		}
	}
	var he *HTTPError
	if errors.As(err, &he) && he.RetryAfter > 0 {
		gap = max(gap, min(he.RetryAfter, time.Hour))
	}
	return gap
}

// job is one check for a worker; the observation comes back on done.
type job struct {
	t    Target
	key  string
	done chan Observation
}

// work runs checks until ctx ends.
func (e *Engine) work(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-e.jobs:
			j.done <- checkTarget(ctx, j.t, j.key)
		}
	}
}

// check runs one attempt under the concurrency limits; ok is false when ctx ended first. The
// host's slot is taken first, so that checks queued behind a slow host do not hold the workers
// other hosts need.
func (e *Engine) check(ctx context.Context, j job, hs chan struct{}) (Observation, bool) {
	select {
	case hs <- struct{}{}:
	case <-ctx.Done():
		return Observation{}, false
	}
	defer func() { <-hs }()
	select {
	case e.jobs <- j:
	case <-ctx.Done():
		return Observation{}, false
	}
	o := <-j.done // a worker that took the job always answers
	return o, ctx.Err() == nil
}

// target returns the target with the key.
// checkOne checks a target once, outside its own timer (a probe looked at again at once),
// under the same limits as every check.
func (e *Engine) checkOne(ctx context.Context, t Target) (Observation, bool) {
	return e.check(ctx, job{t: t, key: t.Key(), done: make(chan Observation, 1)}, e.hostSlot(t.URL))
}

func (e *Engine) target(key string) (Target, bool) {
	for _, t := range e.targets {
		if t.Key() == key {
			return t, true
		}
	}
	return Target{}, false
}

func (e *Engine) hostSlot(raw string) chan struct{} {
	host := raw
	if u, err := url.Parse(raw); err == nil {
		host = u.Host
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.hosts[host]
	if !ok {
		c = make(chan struct{}, e.opt.PerHost)
		e.hosts[host] = c
	}
	return c
}

// CheckTarget runs one check of t and wraps the result as an observation.
func CheckTarget(ctx context.Context, t Target) Observation { return checkTarget(ctx, t, t.Key()) }

func checkTarget(ctx context.Context, t Target, key string) Observation {
	start := time.Now()
	r, err := t.Checker.Check(ctx)
	end := time.Now()
	return Observation{Target: key, At: end, Latency: end.Sub(start), Report: r, Err: err}
}

// wakeGrid is the grid checks are due on: every target's next check is moved earlier, by less
// than one step, onto a whole multiple of it. Checks due within the same second then start
// together, so the process wakes once for all of them instead of once each (a laptop's CPU
// sleeps in between, and at 500 pages the same checks cost about a fifth of the CPU; see the
// README's footprint table). A check is never made later for it.
const wakeGrid = time.Second

// alignWake moves a wait that ends at now+d back onto wakeGrid. Waits of two steps or less are
// kept as they are: they are backoffs and retries of fast loopback tests, and shortening them by
// up to half would change what they mean.
func alignWake(now time.Time, d time.Duration) time.Duration {
	if d <= 2*wakeGrid {
		return d
	}
	off := time.Duration(now.Add(d).UnixNano() % int64(wakeGrid))
	if off < 0 { // before 1970: the remainder's sign follows the dividend
		off += wakeGrid
	}
	return d - off
}

// NextDelay picks the wait before the next attempt: the interval shortened by a random 0–15 %
// (never lengthened, so that a change is seen within the interval the user chose); after
// failures, doubling per failure up to 8× the interval (at most 10 minutes more than the
// interval); never sooner than a server's Retry-After (capped at an hour). u is a uniform
// random number in [0,1).
func NextDelay(interval time.Duration, fails int, err error, u float64) time.Duration {
	d := interval
	if fails > 0 {
		limit := min(8*interval, interval+10*time.Minute)
		for i := 1; i < fails && d < limit; i++ {
			d *= 2
		}
		d = min(d, limit)
	}
	d = time.Duration(float64(d) * (1 - 0.15*u))
	var he *HTTPError
	if errors.As(err, &he) && he.RetryAfter > 0 {
		d = max(d, min(he.RetryAfter, time.Hour))
	}
	return d
}
