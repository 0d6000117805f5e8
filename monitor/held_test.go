package monitor_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// roundTripFunc answers HTTP requests in memory, so connectivity checks run inside a synctest
// bubble without any network.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestHeldFailureThenOfflineStaysSilent: a website check starts failing; before the watcher has
// confirmed the internet works it finds the machine offline. The failure was the machine's, so
// nothing is said, then or when the site answers again after the connection returns: no
// "Major outage", and no "back to normal" for a problem nobody was told about.
func TestHeldFailureThenOfflineStaysSilent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var online, failing atomic.Bool
		online.Store(true)
		canaries := monitor.NewFetcher(monitor.FetcherOptions{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			code := http.StatusNoContent
			if !online.Load() {
				// A dead connection fails slowly: by the time this check gives up, the
				// website check has failed twice.
				time.Sleep(4 * time.Second)
				return nil, errors.New("network is unreachable")
			}
			return &http.Response{StatusCode: code, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
		})})
		probe := monitor.CheckerFunc(func(context.Context) (monitor.Report, error) {
			if failing.Load() {
				return monitor.Report{}, errors.New("connection refused")
			}
			return monitor.Report{Probe: &monitor.ProbeResult{StatusCode: 200, State: monitor.StateOperational, Verdict: "reachable"}}, nil
		})
		spec := monitor.ServiceSpec{ID: "amex", Name: "American Express", Targets: []monitor.Target{{
			ServiceID: "amex", SourceID: "probe:127.0.0.1", Kind: monitor.KindProbe, Platform: "probe",
			URL: "http://127.0.0.1:9/", Interval: 2 * time.Second, Checker: probe,
		}}}
		w := monitor.NewWatcher([]monitor.ServiceSpec{spec}, monitor.WatcherOptions{
			Engine:       monitor.EngineOptions{Stagger: time.Millisecond},
			Connectivity: monitor.NewConnectivity([]monitor.Canary{{URL: "http://canary.test/generate_204"}}, canaries),
			NetInterval:  2 * time.Minute,
		})
		ctx, cancel := context.WithCancel(t.Context())
		var mu sync.Mutex
		var notes []monitor.Notification
		var last monitor.Snapshot
		updates := make(chan monitor.Update)
		done := make(chan struct{})
		go func() { w.Run(ctx, updates); close(done) }()
		go func() {
			for u := range updates {
				mu.Lock()
				notes = append(notes, u.Notifications...)
				last = u.Snapshot
				mu.Unlock()
			}
		}()
		state := func() (monitor.State, bool) {
			mu.Lock()
			defer mu.Unlock()
			if len(last.Services) == 0 {
				return monitor.StateUnknown, last.Offline
			}
			return last.Services[0].State, last.Offline
		}

		time.Sleep(40 * time.Second) // baseline: operational; the connectivity check is now stale
		synctest.Wait()
		if st, off := state(); st != monitor.StateOperational || off {
			t.Fatalf("after start: %v (offline %v), want operational and online", st, off)
		}
		online.Store(false)
		failing.Store(true)
		time.Sleep(time.Minute) // two failed checks, then the connectivity check finds no internet
		synctest.Wait()
		if _, off := state(); !off {
			t.Fatal("the watcher did not notice the machine went offline")
		}
		online.Store(true)
		failing.Store(false)
		time.Sleep(5 * time.Minute) // the next connectivity check, then good answers again
		synctest.Wait()
		if st, off := state(); st != monitor.StateOperational || off {
			t.Errorf("after the connection returned: %v (offline %v), want operational and online", st, off)
		}
		cancel()
		<-done
		close(updates)
		mu.Lock()
		defer mu.Unlock()
		if len(notes) != 0 {
			t.Errorf("notifications %+v, want none: the only failure was this machine's", notes)
		}
	})
}
