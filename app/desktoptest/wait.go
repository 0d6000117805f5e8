//go:build linux

package desktoptest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

// PollInterval is how often WaitFor re-checks its condition.
const PollInterval = 20 * time.Millisecond

// WaitFor calls cond every PollInterval until it returns true, returns a
// non-nil error wrapped in a StopError, or ctx ends. Errors returned by cond
// are treated as "not yet" (the thing observed may not exist yet) and the
// last one is included in the timeout error.
func WaitFor(ctx context.Context, cond func() (bool, error)) error {
	ticker := time.NewTicker(PollInterval)
	defer ticker.Stop()
	var last error
	for {
		ok, err := cond()
		if ok && err == nil {
			return nil
		}
		if se, isStop := err.(*StopError); isStop {
			return se.Err
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			if last != nil {
				return fmt.Errorf("desktoptest: condition not met: %w (last error: %w)", ctx.Err(), last)
			}
			return fmt.Errorf("desktoptest: condition not met: %w", ctx.Err())
		case <-ticker.C:
		}
	}
}

// StopError makes WaitFor return Err immediately instead of polling on.
type StopError struct{ Err error }

func (e *StopError) Error() string { return e.Err.Error() }

// Stop wraps err so that WaitFor gives up at once.
func Stop(err error) error { return &StopError{Err: err} }

// signalHub fans the signals of one connection out to subscribers.
type signalHub struct {
	mu   sync.Mutex
	subs []func(*dbus.Signal)
}

func newSignalHub(conn *dbus.Conn) (*signalHub, error) {
	h := &signalHub{}
	ch := make(chan *dbus.Signal, 64)
	conn.Signal(ch)
	err := conn.AddMatchSignal(
		dbus.WithMatchSender("org.freedesktop.DBus"),
		dbus.WithMatchObjectPath("/org/freedesktop/DBus"),
		dbus.WithMatchInterface("org.freedesktop.DBus"),
		dbus.WithMatchMember("NameOwnerChanged"),
	)
	if err != nil {
		return nil, fmt.Errorf("watch NameOwnerChanged: %w", err)
	}
	go func() {
		for sig := range ch {
			h.mu.Lock()
			subs := append([]func(*dbus.Signal){}, h.subs...)
			h.mu.Unlock()
			for _, f := range subs {
				f(sig)
			}
		}
	}()
	return h, nil
}

func (h *signalHub) subscribe(f func(*dbus.Signal)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.subs = append(h.subs, f)
}
