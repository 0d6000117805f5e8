package monitor

import (
	"container/heap"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
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

// Engine polls targets: one scheduler goroutine keeps every target's next check in a queue
// ordered by time and starts the checks that are due; a jittered wait is chosen after each
// attempt, capped exponential backoff on errors, Retry-After honoured, bounded concurrency. The
// checks themselves run on MaxInFlight workers, and a target costs no goroutine, timer or
// stack between its checks: thousands of targets take a few hundred bytes each.
type Engine struct {
	targets []Target
	opt     EngineOptions
	log     *slog.Logger
	jobs    chan job
	nudge   chan struct{}

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
	return &Engine{targets: targets, opt: opt, log: log, jobs: make(chan job), nudge: make(chan struct{}, 1), hosts: map[string]chan struct{}{}}
}

// CheckNow asks every target to be checked at once. It never blocks; requests made while one is
// pending are merged.
func (e *Engine) CheckNow() {
	select {
	case e.nudge <- struct{}{}:
	default:
	}
}

// Run polls until ctx ends, sending each observation to out. It returns only after every
// goroutine it started has returned.
func (e *Engine) Run(ctx context.Context, out chan<- Observation) error {
	var wg sync.WaitGroup
	for range e.opt.MaxInFlight {
		wg.Go(func() { e.work(ctx) })
	}
	e.schedule(ctx, out, &wg)
	wg.Wait()
	return ctx.Err()
}

// entry is one target's place in the schedule.
type entry struct {
	t     Target
	key   string
	hs    chan struct{}    // the host's slot
	done  chan Observation // a worker's answer (one check at a time per target)
	due   time.Time        // the next check; meaningful while queued
	idx   int              // position in the queue, -1 while a check runs
	fails int              // failed attempts in a row
	// A nudge earlier than notBefore is ignored (see politeGap). It is a wall-clock time, which
	// goes on while the machine sleeps (the monotonic clock does not): after a night's sleep a
	// site probed just before is due again.
	notBefore time.Time
	nudged    bool // "check now" came while a check ran: check again when it ends
}

// finished is a check that ended, for the scheduler.
type finished struct {
	e *entry
	o Observation
}

// schedule starts each target's checks when they are due until ctx ends: the first round
// spread over Stagger, then each target again after NextDelay moved onto the wake grid.
func (e *Engine) schedule(ctx context.Context, out chan<- Observation, wg *sync.WaitGroup) {
	start := time.Now()
	q := make(queue, 0, len(e.targets))
	n := len(e.targets)
	for i, t := range e.targets {
		first := time.Duration(0)
		if n > 1 {
			first = e.opt.Stagger * time.Duration(i) / time.Duration(n)
		}
		q = append(q, &entry{t: t, key: t.Key(), hs: e.hostSlot(t.URL), done: make(chan Observation, 1), due: start.Add(first), idx: i})
	}
	entries := slices.Clone(q) // every target, queued or running
	heap.Init(&q)
	results := make(chan finished)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		now := time.Now()
		for len(q) > 0 && !q[0].due.After(now) {
			en := heap.Pop(&q).(*entry)
			wg.Go(func() { e.run(ctx, en, out, results) })
		}
		if len(q) > 0 {
			timer.Reset(q[0].due.Sub(now)) // since Go 1.23 no stale tick survives a Reset or Stop
		} else {
			timer.Stop()
		}
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-e.nudge:
			e.nudged(entries, &q)
		case f := <-results:
			select {
			case <-e.nudge: // it came while the check ran: one more check merges it
				e.nudged(entries, &q)
			default:
			}
			e.next(f, &q)
		}
	}
}

// nudged makes every target due now ("check now"), except those checked too recently to be
// polite (see politeGap); a target whose check is running is checked once more when it ends.
func (e *Engine) nudged(entries []*entry, q *queue) {
	now := time.Now()
	for _, en := range entries {
		switch {
		case en.idx < 0:
			en.nudged = true
		case now.Round(0).Before(en.notBefore):
			e.log.Debug("check now skipped: too soon for this site", "target", en.key, "until", en.notBefore)
		default:
			en.due = now
		}
	}
	heap.Init(q)
}

// run makes one check of en, hands its observation on, and tells the scheduler.
func (e *Engine) run(ctx context.Context, en *entry, out chan<- Observation, results chan<- finished) {
	o, ok := e.check(ctx, job{t: en.t, key: en.key, done: en.done}, en.hs)
	if !ok {
		return
	}
	select {
	case out <- o:
	case <-ctx.Done():
		return
	}
	select {
	case results <- finished{en, o}:
	case <-ctx.Done():
	}
}

// next queues en again after a check: backoff on failures, Retry-After, the wake grid, and a
// "check now" that came while it ran.
func (e *Engine) next(f finished, q *queue) {
	en, o := f.e, f.o
	err := o.Err
	if p := o.Report.Probe; err == nil && p != nil && (p.StatusCode == http.StatusTooManyRequests || p.StatusCode == http.StatusForbidden) {
		// The website limits automated visitors: it answered, but we back off as if it
		// had failed, and honour its Retry-After.
		err = &HTTPError{URL: en.t.URL, Code: p.StatusCode, RetryAfter: p.RetryAfter}
	}
	if err != nil {
		en.fails++
		e.log.Debug("check failed", "target", en.key, "err", err, "failures", en.fails)
	} else {
		en.fails = 0
	}
	now := time.Now()
	delay := alignWake(now, NextDelay(en.t.Interval, en.fails, err, rand.Float64()))
	en.due = now.Add(delay)
	en.notBefore = now.Round(0).Add(politeGap(en.t, delay, err))
	if en.nudged {
		en.nudged = false
		if !now.Round(0).Before(en.notBefore) {
			en.due = now
		}
	}
	heap.Push(q, en)
}

// queue is the schedule: a min-heap of entries by due time (container/heap). An entry whose
// check runs is out of it (idx -1) until the check ends.
type queue []*entry

func (q queue) Len() int           { return len(q) }
func (q queue) Less(i, j int) bool { return q[i].due.Before(q[j].due) }
func (q queue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].idx, q[j].idx = i, j
}
func (q *queue) Push(x any) {
	en := x.(*entry)
	en.idx = len(*q)
	*q = append(*q, en)
}
func (q *queue) Pop() any {
	old := *q
	en := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	en.idx = -1
	return en
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
