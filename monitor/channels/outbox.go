package channels

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"time"

	"github.com/paywatch/paywatch/internal/atomicfile"
	"github.com/paywatch/paywatch/monitor"
)

// DefaultExpiry bounds how long a message waits in the outbox: one that could not be delivered
// within a day is thrown away with a log line, as news that old no longer helps anyone.
const DefaultExpiry = 24 * time.Hour

// outboxVersion is the layout of the outbox file.
const outboxVersion = 1

// item is one message for one channel, from the moment it is queued until it is delivered,
// given up on or expired.
type item struct {
	// Key is the message's idempotency key: the same for every attempt, across restarts, and
	// derived from the channel, the service, the change and its time, so that one change is
	// never queued twice for one channel. Webhooks receive it as the Idempotency-Key header.
	Key          string               `json:"key"`
	Notification monitor.Notification `json:"notification"`
	Queued       time.Time            `json:"queued"`
	Attempts     int                  `json:"attempts,omitempty"`
}

// outboxFile is what the outbox keeps on disk: the messages not yet delivered, by channel (a
// hash of the channel's address, never the address: it holds secrets), and the keys delivered
// within the expiry bound, so that a message delivered just before a crash is not sent again.
type outboxFile struct {
	Version   int                  `json:"version"`
	Pending   map[string][]item    `json:"pending,omitempty"`
	Delivered map[string]time.Time `json:"delivered,omitempty"`
}

// channelKey names a channel in the outbox file without its secrets.
func channelKey(rawURL string) string {
	sum := sha256.Sum256([]byte(rawURL))
	return hex.EncodeToString(sum[:8])
}

// messageKey is the idempotency key of a notification for a channel.
func messageKey(channel string, n monitor.Notification) string {
	h := sha256.New()
	for _, s := range []string{channel, n.ServiceID, n.Title, n.Body, n.State.String(), n.Severity.String(),
		string(n.Summary), strconv.FormatInt(n.At.UnixNano(), 10)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// UseOutbox makes the Dispatcher keep its messages in a file (written atomically on every
// change), so that a message is delivered at least once across crashes and restarts: what the
// file holds from the last run is queued again, and what was delivered is not sent twice.
// Messages older than DefaultExpiry are dropped with a log line; so are those for channels no
// longer set up. Call it before Run. A file that cannot be read is logged and replaced.
func (d *Dispatcher) UseOutbox(path string) error {
	d.outboxPath = path
	d.delivered = map[string]time.Time{}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the channel outbox: %w", err)
	}
	var f outboxFile
	if err := json.Unmarshal(b, &f); err != nil || f.Version != outboxVersion {
		d.log.Warn("channel outbox unreadable; starting empty", "path", path, "err", err)
		return nil
	}
	now := time.Now()
	for k, at := range f.Delivered {
		if now.Sub(at) < d.expiry {
			d.delivered[k] = at
		}
	}
	byKey := map[string]*channel{}
	for _, ch := range d.chans {
		byKey[ch.key] = ch
	}
	for ck, items := range f.Pending {
		ch := byKey[ck]
		for _, it := range items {
			switch {
			case ch == nil:
				d.log.Warn("channel message dropped: its channel is no longer set up", "service_id", it.Notification.ServiceID, "key", it.Key)
			case now.Sub(it.Queued) >= d.expiry:
				d.finish(ch, it, outcomeExpired, "")
			default:
				ch.mu.Lock()
				ch.queue = append(ch.queue, it)
				ch.mu.Unlock()
				ch.log.Info("channel message queued again from the outbox", "service_id", it.Notification.ServiceID, "key", it.Key, "queued", it.Queued)
				ch.wakeUp()
			}
		}
	}
	d.save()
	return nil
}

// save writes the outbox file, if there is one: every channel's queue and message in flight,
// and the keys delivered within the expiry bound. A failure is logged: delivery goes on.
func (d *Dispatcher) save() {
	if d.outboxPath == "" {
		return
	}
	d.saveMu.Lock()
	defer d.saveMu.Unlock()
	f := outboxFile{Version: outboxVersion, Pending: map[string][]item{}, Delivered: map[string]time.Time{}}
	now := time.Now()
	for _, ch := range d.chans {
		ch.mu.Lock()
		var items []item
		if ch.current != nil {
			items = append(items, *ch.current)
		}
		items = append(items, ch.queue...)
		ch.mu.Unlock()
		if len(items) > 0 {
			f.Pending[ch.key] = items
		}
	}
	d.deliveredMu.Lock()
	for k, at := range d.delivered {
		if now.Sub(at) >= d.expiry {
			delete(d.delivered, k)
			continue
		}
		f.Delivered[k] = at
	}
	d.deliveredMu.Unlock()
	b, err := json.Marshal(f)
	if err == nil {
		err = atomicfile.Write(d.outboxPath, b, 0o600)
	}
	if err != nil {
		d.log.Warn("could not save the channel outbox; a restart may lose queued messages", "path", d.outboxPath, "err", err)
	}
}

// known reports a key already delivered (within the expiry bound).
func (d *Dispatcher) known(key string) bool {
	d.deliveredMu.Lock()
	defer d.deliveredMu.Unlock()
	_, ok := d.delivered[key]
	return ok
}
