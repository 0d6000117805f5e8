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
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nicholas-fedor/shoutrrr/pkg/services/chat/telegram"

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

	seq atomic.Uint64 // numbers messages without a time of their own

	// outboxPath, when set (UseOutbox), is where queued messages are kept across restarts.
	outboxPath string
	// expiry bounds how long a message waits to be delivered.
	expiry time.Duration
	saveMu sync.Mutex // one save at a time, each of the latest state
	// delivered are the keys of the messages delivered within expiry, and when.
	deliveredMu sync.Mutex
	delivered   map[string]time.Time
}

// channel is one configured destination and what has happened to its messages.
type channel struct {
	name     string // Name, or the redacted URL
	url      string // the address as written, secrets included: never log or show it
	redacted string
	key      string       // names the channel in the outbox file: a hash of its address
	service  string       // "slack", "smtp", "generic" …
	sink     monitor.Sink // which notifications it wants
	sender   sender
	log      *slog.Logger
	// onOutcome, when set, hears what became of each message (see OnOutcome).
	onOutcome func(Outcome)

	wake chan struct{} // one slot: "the queue has something"

	mu          sync.Mutex
	queue       []item
	current     *item // the message being delivered
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

// CheckAddress checks one channel address without touching the network: the address as it
// may be shown (Redact), and what is wrong with it in plain English, or nil.
func CheckAddress(rawURL string) (shown string, err error) {
	_, _, err = newService(rawURL)
	return Redact(rawURL), err
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
		var snd sender = newShoutrrrSender(svc, scheme, c.URL, &d.calls)
		if tg, ok := svc.(*telegram.Service); ok {
			snd = newTelegramSender(tg, markupFor(svc, scheme)) // see telegram.go
		}
		d.add(c, scheme, snd)
	}
	return d, nil
}

func newDispatcher(log *slog.Logger) *Dispatcher {
	return &Dispatcher{log: log, retry: defaultRetry, attemptTimeout: attemptTimeout, testTimeout: testTimeout, expiry: DefaultExpiry}
}

func (d *Dispatcher) add(c monitor.ChannelConfig, service string, s sender) *channel {
	ch := &channel{
		name: strings.TrimSpace(c.Name), url: strings.TrimSpace(c.URL), redacted: Redact(c.URL), key: channelKey(strings.TrimSpace(c.URL)),
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
// With an outbox (UseOutbox), the message is on disk before Send returns, and a message already
// queued or delivered (the same idempotency key) is not queued again.
func (d *Dispatcher) Send(n monitor.Notification) {
	queued := false
	for _, ch := range d.chans {
		for _, m := range ch.sink.Filter([]monitor.Notification{n}) {
			it := item{Key: messageKey(ch.key, m), Notification: m, Queued: time.Now()}
			if m.At.IsZero() {
				// No time of its own (the alert policy always gives one): nothing tells two
				// such messages apart as one change, so each is its own.
				it.Key = messageKey(ch.key+"#"+strconv.FormatInt(it.Queued.UnixNano(), 10)+"#"+strconv.FormatUint(d.seq.Add(1), 10), m)
			}
			if d.known(it.Key) || ch.holds(it.Key) {
				ch.log.Info("channel message already queued or delivered; not sending it twice", "service_id", m.ServiceID, "key", it.Key)
				continue
			}
			if old, dropped := ch.enqueue(it); dropped {
				d.finish(ch, old, outcomeDropped, "the queue was full")
			}
			queued = true
		}
	}
	if queued {
		d.save()
	}
}

// holds reports a message queued or being delivered.
func (ch *channel) holds(key string) bool {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.current != nil && ch.current.Key == key {
		return true
	}
	for _, it := range ch.queue {
		if it.Key == key {
			return true
		}
	}
	return false
}

// enqueue queues a message, dropping the oldest when the queue is full (which it returns).
func (ch *channel) enqueue(it item) (old item, dropped bool) {
	ch.mu.Lock()
	dropped = len(ch.queue) >= queueSize
	if dropped {
		old = ch.queue[0]
		ch.queue = append(ch.queue[:0], ch.queue[1:]...)
		ch.dropped++
	}
	ch.queue = append(ch.queue, it)
	ch.mu.Unlock()
	ch.wakeUp()
	return old, dropped
}

func (ch *channel) wakeUp() {
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

// next takes the oldest queued message and marks it in flight (it stays in the outbox).
func (ch *channel) next() (item, bool) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if len(ch.queue) == 0 {
		return item{}, false
	}
	it := ch.queue[0]
	ch.queue = append(ch.queue[:0], ch.queue[1:]...)
	ch.current = &it
	return it, true
}

// Outcomes of a message: each message ends in exactly one, through finish.
const (
	outcomeDelivered = "delivered"
	outcomeFailed    = "failed"  // every retry failed (without an outbox)
	outcomeExpired   = "expired" // not delivered within the expiry bound
	outcomeDropped   = "dropped" // thrown away because the channel's queue was full
)

// finish is the one place where a message leaves the Dispatcher: delivered, failed, expired or
// dropped. It logs the outcome, forgets the message and, with an outbox, records a delivered
// key and saves.
func (d *Dispatcher) finish(ch *channel, it item, outcome, reason string) {
	if outcome == outcomeDelivered && d.outboxPath != "" {
		// Known as delivered before it stops being in flight: a Send in between must see one
		// or the other, or the same change would be queued again.
		d.deliveredMu.Lock()
		d.delivered[it.Key] = time.Now()
		d.deliveredMu.Unlock()
	}
	ch.mu.Lock()
	if ch.current != nil && ch.current.Key == it.Key {
		ch.current = nil
	}
	ch.mu.Unlock()
	attrs := []any{"service_id", it.Notification.ServiceID, "key", it.Key}
	switch outcome {
	case outcomeDelivered:
		ch.log.Info("channel message delivered", append(attrs, "attempt", it.Attempts)...)
	case outcomeExpired:
		ch.log.Warn("channel message expired undelivered", append(attrs, "attempts", it.Attempts, "queued", it.Queued, "expiry", d.expiry, "reason", reason)...)
	case outcomeDropped:
		ch.log.Warn("channel queue full; dropped the oldest message", append(attrs, "queue", queueSize)...)
	}
	ch.told(it.Notification, Result(outcome), it.Attempts, reason)
	d.save()
}

// deliver sends one message, retrying with backoff, and records the outcome. The next delay is
// chosen after each attempt. Without an outbox it gives up after the retry policy's tries; with
// one, the channel shows as failing after them and the message is tried every few minutes
// until it expires.
func (d *Dispatcher) deliver(ctx context.Context, ch *channel, it item, timer *time.Timer) {
	defer func() {
		ch.mu.Lock()
		ch.current = nil
		ch.mu.Unlock()
	}()
	n := it.Notification
	m := message{Title: n.Title, Body: n.Body, Key: it.Key}
	for attempt := 1; ; attempt++ {
		if d.outboxPath != "" && time.Since(it.Queued) >= d.expiry {
			d.finish(ch, it, outcomeExpired, ch.lastError())
			return
		}
		it.Attempts++
		actx, cancel := context.WithTimeout(ctx, d.attemptTimeout)
		err := ch.sender.send(actx, m)
		cancel()
		if err == nil {
			ch.mu.Lock()
			ch.lastSent, ch.lastErr = time.Now(), ""
			ch.mu.Unlock()
			d.finish(ch, it, outcomeDelivered, "")
			return
		}
		reason := describe(err, ch.url)
		if ctx.Err() != nil {
			ch.log.Info("channel delivery stopped at shutdown", "service_id", n.ServiceID, "attempt", attempt)
			return
		}
		ch.mu.Lock()
		if ch.current != nil {
			ch.current.Attempts = it.Attempts
		}
		ch.mu.Unlock()
		if attempt >= d.retry.tries {
			ch.mu.Lock()
			ch.lastErr, ch.lastFailure = reason, time.Now()
			ch.mu.Unlock()
			if d.outboxPath == "" {
				ch.log.Warn("channel delivery failed; giving up", "service_id", n.ServiceID, "attempts", attempt,
					"reason", reason, "error", redactErr(err, ch.url))
				d.finish(ch, it, outcomeFailed, reason)
				return
			}
			if attempt == d.retry.tries {
				ch.log.Warn("channel delivery failing; will keep trying until the message expires", "service_id", n.ServiceID,
					"attempts", attempt, "expires_in", d.expiry-time.Since(it.Queued), "reason", reason, "error", redactErr(err, ch.url))
			}
		}
		wait := d.retry.delay(attempt)
		if attempt < d.retry.tries {
			ch.log.Info("channel delivery failed; will retry", "service_id", n.ServiceID, "attempt", attempt,
				"retry_in", wait, "reason", reason, "error", redactErr(err, ch.url))
		}
		if d.outboxPath != "" {
			wait = min(wait, max(d.expiry-time.Since(it.Queued), 0))
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
	}
}

func (ch *channel) lastError() string {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return ch.lastErr
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
		if ch.current != nil {
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
