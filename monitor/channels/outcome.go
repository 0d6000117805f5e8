package channels

import (
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// Result is what became of one notification on one channel.
type Result string

// Results.
const (
	Delivered Result = outcomeDelivered // the channel accepted it
	Failed    Result = outcomeFailed    // it refused it after every retry (without an outbox)
	Expired   Result = outcomeExpired   // not delivered within the expiry bound
	Dropped   Result = outcomeDropped   // thrown away because the channel's queue was full
)

// Outcome tells what became of one notification on one channel, for the history.
type Outcome struct {
	At           time.Time
	Channel      string // the channel's name, or its redacted address: never a secret
	Notification monitor.Notification
	Result       Result
	Attempts     int
	Error        string // plain English, redacted; empty when delivered
}

// OnOutcome has f told of every notification's outcome on every channel, when it leaves the
// Dispatcher (finish): delivered, failed after every retry, expired, or dropped from a full
// queue. A message still in the outbox at shutdown has no outcome yet. f is called from the
// delivering goroutines (and from Send for a full queue), so it must be quick and safe for
// concurrent use. Call it before Send and Run.
func (d *Dispatcher) OnOutcome(f func(Outcome)) {
	for _, ch := range d.chans {
		ch.onOutcome = f
	}
}

// told tells the outcome hook, if any.
func (ch *channel) told(n monitor.Notification, r Result, attempts int, reason string) {
	if ch.onOutcome != nil {
		ch.onOutcome(Outcome{At: time.Now(), Channel: ch.name, Notification: n, Result: r, Attempts: attempts, Error: reason})
	}
}
