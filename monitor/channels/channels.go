// Package channels sends Paywatch's notifications to team channels (Slack, Microsoft Teams,
// Discord, Telegram, e-mail, ntfy, webhooks …) addressed by shoutrrr URLs, next to the desktop
// notification and never in its way: each channel has its own queue, retries and status.
package channels

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// Delivery limits.
const (
	// queueSize bounds the messages waiting for one channel; beyond it the oldest is dropped.
	queueSize = 32
	// attemptTimeout bounds one delivery attempt.
	attemptTimeout = 30 * time.Second
	// testTimeout bounds a test message (`paywatch notify test`).
	testTimeout = 20 * time.Second
	// shutdownGrace is how long Run waits, once its context has ended, for a delivery the
	// notification library is still making (its Send cannot be cancelled).
	shutdownGrace = 2 * time.Second
)

// Test message, as `paywatch notify test` sends it.
const (
	TestTitle = "Paywatch test message"
	TestBody  = "If you can read this, Paywatch can reach this channel."
)

// retryPolicy says how often and when a failed delivery is tried again.
type retryPolicy struct {
	tries       int           // attempts in all, the first included
	first, most time.Duration // the delay after the first failure, doubling up to most
	// jitter spreads a delay, so that channels failing together do not retry together.
	jitter func(time.Duration) time.Duration
}

// defaultRetry tries six times over about two and a half minutes: 5 s, 10 s, 20 s, 40 s, 80 s
// between attempts, each ±20 %, never more than 5 minutes.
var defaultRetry = retryPolicy{tries: 6, first: 5 * time.Second, most: 5 * time.Minute, jitter: jitter20}

func jitter20(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return d - d/5 + rand.N(2*d/5+1)
}

// delay is the wait after the given failed attempt (1 for the first).
func (p retryPolicy) delay(attempt int) time.Duration {
	d := p.first
	for i := 1; i < attempt && d < p.most; i++ {
		d *= 2
	}
	d = min(d, p.most)
	if p.jitter != nil {
		d = p.jitter(d)
	}
	return d
}

// Dispatcher delivers notifications to every configured channel. Send queues and returns at
// once; Run delivers until its context ends.
type Dispatcher struct {
	log   *slog.Logger
	chans []*channel
	retry retryPolicy
	// attemptTimeout and testTimeout bound one delivery attempt and one test message.
	attemptTimeout, testTimeout time.Duration
	// calls are the notification library's sends in progress.
	calls sync.WaitGroup
}

// channel is one configured destination and what has happened to its messages.
type channel struct {
	name     string // Name, or the redacted URL
	url      string // the address as written, secrets included: never log or show it
	redacted string
	service  string       // "slack", "smtp", "generic" …
	sink     monitor.Sink // which notifications it wants
	sender   sender
	log      *slog.Logger
	// onOutcome, when set, hears what became of each message (see OnOutcome).
	onOutcome func(Outcome)

	wake chan struct{} // one slot: "the queue has something"

	mu          sync.Mutex
	queue       []monitor.Notification
	inFlight    bool
	dropped     int
	lastErr     string
	lastSent    time.Time
	lastFailure time.Time
}

// ChannelStatus is what the tray and `paywatch status` show about one channel.
type ChannelStatus struct {
	Name    string // the channel's name, or its redacted URL
	URL     string // redacted
	Service string // "slack", "smtp", "generic" …
	// OK is false once a message could not be delivered after every retry, until one is.
	// A channel that is still retrying is OK: most failures pass.
	OK bool
	// LastError says in plain English why the last message given up on failed.
	LastError   string
	LastSent    time.Time
	LastFailure time.Time
	// Pending counts the messages queued or being delivered.
	Pending int
	// Dropped counts messages thrown away because the queue was full.
	Dropped int
}

// TestResult is how one channel took the test message.
type TestResult struct {
	Name    string // the channel's name, or its redacted URL
	URL     string // redacted
	Service string
	OK      bool
	Error   string // plain English, redacted; empty when OK
}

// Validate checks every channel address and reports every problem at once, each naming
// channels[N] (counted from 1, as `paywatch config check` does) and the redacted address.
func Validate(cfgs []monitor.ChannelConfig) error {
	var errs []error
	for i, c := range cfgs {
		if _, _, err := newService(c.URL); err != nil {
			errs = append(errs, fmt.Errorf("channels[%d] (%s): url: %w", i+1, Redact(c.URL), err))
		}
	}
	return errors.Join(errs...)
}

// New checks every channel address (see Validate) and makes a Dispatcher for them. It does not
// touch the network.
func New(cfgs []monitor.ChannelConfig, log *slog.Logger) (*Dispatcher, error) {
	if err := Validate(cfgs); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := newDispatcher(log)
	for _, c := range cfgs {
		svc, scheme, err := newService(c.URL)
		if err != nil {
			return nil, err // Validate passed, so this does not happen
		}
		d.add(c, scheme, newShoutrrrSender(svc, scheme, &d.calls))
	}
	return d, nil
}

func newDispatcher(log *slog.Logger) *Dispatcher {
	return &Dispatcher{log: log, retry: defaultRetry, attemptTimeout: attemptTimeout, testTimeout: testTimeout}
}

func (d *Dispatcher) add(c monitor.ChannelConfig, service string, s sender) *channel {
	ch := &channel{
		name: strings.TrimSpace(c.Name), url: strings.TrimSpace(c.URL), redacted: Redact(c.URL),
		service: service, sink: monitor.ChannelSink(c), sender: s, wake: make(chan struct{}, 1),
	}
	if ch.name == "" {
		ch.name = ch.redacted
	}
	ch.log = d.log.With("channel", ch.name, "service", service)
	d.chans = append(d.chans, ch)
	return ch
}

// Send queues a notification for every channel that wants it (by the channel's own threshold
// and services: monitor.Sink) and returns at once. A summary is summed up again for a channel
// that wants only some of its parts. A channel whose queue is full drops its oldest message.
func (d *Dispatcher) Send(n monitor.Notification) {
	for _, ch := range d.chans {
		for _, m := range ch.sink.Filter([]monitor.Notification{n}) {
			ch.enqueue(m)
		}
	}
}

func (ch *channel) enqueue(n monitor.Notification) {
	ch.mu.Lock()
	dropped := len(ch.queue) >= queueSize
	var oldest monitor.Notification
	if dropped {
		oldest = ch.queue[0]
		ch.queue = append(ch.queue[:0], ch.queue[1:]...)
		ch.dropped++
	}
	ch.queue = append(ch.queue, n)
	ch.mu.Unlock()
	if dropped {
		ch.log.Warn("channel queue full; dropped the oldest message", "queue", queueSize)
		ch.told(oldest, Dropped, 0, "the channel's queue was full")
	}
	select {
	case ch.wake <- struct{}{}:
	default:
	}
}

// Sinks are the channels' thresholds, in the order of the settings, for the policy
// (monitor.NewPolicy), so that it decides for a channel more sensitive than the desktop.
func (d *Dispatcher) Sinks() []monitor.Sink {
	out := make([]monitor.Sink, 0, len(d.chans))
	for _, ch := range d.chans {
		out = append(out, ch.sink)
	}
	return out
}

// Run delivers queued notifications, one goroutine per channel, until ctx ends. It returns
// once those goroutines have, and the library's sends in progress have finished (or
// shutdownGrace has passed: they cannot be cancelled). Call it once.
func (d *Dispatcher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, ch := range d.chans {
		wg.Go(func() { d.serve(ctx, ch) })
	}
	wg.Wait()
	d.waitCalls(shutdownGrace)
}

func (d *Dispatcher) waitCalls(grace time.Duration) {
	done := make(chan struct{})
	go func() {
		d.calls.Wait()
		close(done)
	}()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		d.log.Warn("channel delivery still in progress at shutdown; not waiting for it", "waited", grace)
	}
}

// serve delivers one channel's queue in order.
func (d *Dispatcher) serve(ctx context.Context, ch *channel) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		if ctx.Err() != nil {
			return
		}
		n, ok := ch.next()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-ch.wake:
				continue
			}
		}
		d.deliver(ctx, ch, n, timer)
	}
}

// next takes the oldest queued notification and marks it in flight.
func (ch *channel) next() (monitor.Notification, bool) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if len(ch.queue) == 0 {
		return monitor.Notification{}, false
	}
	n := ch.queue[0]
	ch.queue = append(ch.queue[:0], ch.queue[1:]...)
	ch.inFlight = true
	return n, true
}

// deliver sends one notification, retrying with backoff, and records the outcome. The next
// delay is chosen after each attempt.
func (d *Dispatcher) deliver(ctx context.Context, ch *channel, n monitor.Notification, timer *time.Timer) {
	defer func() {
		ch.mu.Lock()
		ch.inFlight = false
		ch.mu.Unlock()
	}()
	m := message{Title: n.Title, Body: n.Body}
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, d.attemptTimeout)
		err := ch.sender.send(actx, m)
		cancel()
		if err == nil {
			ch.mu.Lock()
			ch.lastSent, ch.lastErr = time.Now(), ""
			ch.mu.Unlock()
			ch.log.Info("channel message delivered", "service_id", n.ServiceID, "attempt", attempt)
			ch.told(n, Delivered, attempt, "")
			return
		}
		reason := describe(err, ch.url)
		if ctx.Err() != nil {
			ch.log.Info("channel delivery stopped at shutdown", "service_id", n.ServiceID, "attempt", attempt)
			ch.told(n, Dropped, attempt, "Paywatch stopped before it could be delivered")
			return
		}
		if attempt >= d.retry.tries {
			ch.mu.Lock()
			ch.lastErr, ch.lastFailure = reason, time.Now()
			ch.mu.Unlock()
			ch.log.Warn("channel delivery failed; giving up", "service_id", n.ServiceID, "attempts", attempt,
				"reason", reason, "error", redactErr(err, ch.url))
			ch.told(n, Failed, attempt, reason)
			return
		}
		wait := d.retry.delay(attempt)
		ch.log.Info("channel delivery failed; will retry", "service_id", n.ServiceID, "attempt", attempt,
			"retry_in", wait, "reason", reason, "error", redactErr(err, ch.url))
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			ch.told(n, Dropped, attempt, "Paywatch stopped before it could be delivered")
			return
		case <-timer.C:
		}
	}
}

// Status reports every channel, in the order of the settings.
func (d *Dispatcher) Status() []ChannelStatus {
	out := make([]ChannelStatus, 0, len(d.chans))
	for _, ch := range d.chans {
		ch.mu.Lock()
		st := ChannelStatus{
			Name: ch.name, URL: ch.redacted, Service: ch.service, OK: ch.lastErr == "",
			LastError: ch.lastErr, LastSent: ch.lastSent, LastFailure: ch.lastFailure,
			Pending: len(ch.queue), Dropped: ch.dropped,
		}
		if ch.inFlight {
			st.Pending++
		}
		ch.mu.Unlock()
		out = append(out, st)
	}
	return out
}

// Test sends the test message to every channel at once, without retrying, and reports how
// each took it. It returns when all have answered or testTimeout has passed.
func (d *Dispatcher) Test(ctx context.Context) []TestResult {
	ctx, cancel := context.WithTimeout(ctx, d.testTimeout)
	defer cancel()
	out := make([]TestResult, len(d.chans))
	var wg sync.WaitGroup
	for i, ch := range d.chans {
		wg.Go(func() {
			r := TestResult{Name: ch.name, URL: ch.redacted, Service: ch.service, OK: true}
			if err := ch.sender.send(ctx, message{Title: TestTitle, Body: TestBody}); err != nil {
				r.OK, r.Error = false, describe(err, ch.url)
				ch.log.Warn("channel test message failed", "reason", r.Error, "error", redactErr(err, ch.url))
			} else {
				ch.log.Info("channel test message delivered")
			}
			out[i] = r
		})
	}
	wg.Wait()
	return out
}
