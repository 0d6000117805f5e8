package monitor_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/demo"
	"github.com/paywatch/paywatch/monitor/probe"
	"github.com/paywatch/paywatch/monitor/statuspage"
)

// TestCheckOnce uses real HTTP on 127.0.0.1. The watcher tests run in a synctest bubble, where
// time is fake and HTTP is answered in memory by the same handlers (memNet); they never wait
// longer than it takes the watcher to answer (the deadlines only bound a failure, in fake time).
const watchDeadline = 10 * time.Second

func netFetcher(t *testing.T) *monitor.Fetcher {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return monitor.NewFetcher(monitor.FetcherOptions{Transport: tr, Timeout: 5 * time.Second, UserAgent: "Paywatch watch test"})
}

// memNet answers HTTP requests in memory with the handler for each host ("127.0.0.1:80"), so
// that the watcher's checks go through HTTP, the parsers and the fetcher inside a synctest
// bubble, where real network I/O cannot be waited for.
type memNet map[string]http.Handler

func (m memNet) RoundTrip(r *http.Request) (*http.Response, error) {
	h, ok := m[r.URL.Host]
	if !ok {
		return nil, fmt.Errorf("no test server for host %s", r.URL.Host)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

func memFetcher(hosts memNet) *monitor.Fetcher {
	return monitor.NewFetcher(monitor.FetcherOptions{Transport: hosts, Timeout: 5 * time.Second, UserAgent: "Paywatch watch test"})
}

func demoSpec(base string, p *demo.Page, f *monitor.Fetcher) monitor.ServiceSpec {
	id := monitor.Slug(p.Name)
	url := base + "/" + p.ID
	return monitor.ServiceSpec{ID: id, Name: p.Name, URL: url, Targets: []monitor.Target{{
		ServiceID: id, SourceID: "page", Kind: monitor.KindPage, Platform: "statuspage", URL: url,
		Interval: time.Hour, // rounds come only from CheckNow
		Checker:  statuspage.New(url, f),
	}}}
}

// nextUntil reads updates until cond holds for the snapshot, returning every notification seen.
func nextUntil(t *testing.T, updates <-chan monitor.Update, what string, cond func(monitor.Snapshot) bool) []monitor.Notification {
	t.Helper()
	var notes []monitor.Notification
	deadline := time.After(watchDeadline)
	for {
		select {
		case u := <-updates:
			notes = append(notes, u.Notifications...)
			if cond(u.Snapshot) {
				return notes
			}
		case <-deadline:
			t.Fatalf("no update with %s within %v", what, watchDeadline)
		}
	}
}

// untilNotified reads updates until the policy has released its pending notifications (at
// least one notification in all, counting have), and returns the new ones.
func untilNotified(t *testing.T, updates <-chan monitor.Update, have int) []monitor.Notification {
	t.Helper()
	if have > 0 {
		return nil
	}
	// A notification goes out once the storm window has passed without another change.
	deadline := time.After(watchDeadline + monitor.StormWindow)
	for {
		select {
		case u := <-updates:
			if len(u.Notifications) > 0 {
				return u.Notifications
			}
		case <-deadline:
			t.Fatalf("no notification within %v", watchDeadline+monitor.StormWindow)
		}
	}
}

func stateOf(s monitor.Snapshot, id string) monitor.State {
	for _, sv := range s.Services {
		if sv.ID == id {
			return sv.State
		}
	}
	return monitor.StateUnknown
}

func TestWatcherEndToEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		acme := demo.NewPage("acmepay0demo", "Acme Pay", "Card payments", "Payouts")
		bank := demo.NewPage("northwind000", "Northwind Bank", "Online banking")
		const base = "http://127.0.0.1"
		f := memFetcher(memNet{"127.0.0.1": demo.NewServer(nil, acme, bank)})
		w := monitor.NewWatcher([]monitor.ServiceSpec{demoSpec(base, acme, f), demoSpec(base, bank, f)},
			monitor.WatcherOptions{Engine: monitor.EngineOptions{Stagger: time.Millisecond}})

		ctx, cancel := context.WithCancel(t.Context())
		updates := make(chan monitor.Update)
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx, updates) }()
		defer func() {
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Run = %v, want context.Canceled", err)
				}
			case <-time.After(watchDeadline):
				t.Error("Run did not return after cancel")
			}
		}()

		first := <-updates
		if got := first.Snapshot.Overall(); got != monitor.StateUnknown || len(first.Snapshot.Services) != 2 {
			t.Errorf("first snapshot: overall %v with %d services, want unknown with 2 (nothing checked yet)", got, len(first.Snapshot.Services))
		}
		bothOperational := func(s monitor.Snapshot) bool {
			return stateOf(s, "acme-pay") == monitor.StateOperational && stateOf(s, "northwind-bank") == monitor.StateOperational
		}
		if notes := nextUntil(t, updates, "both services operational", bothOperational); len(notes) != 0 {
			t.Errorf("start-up notified %+v, want nothing", notes)
		}

		// The steps build on each other, in one bubble (where subtests cannot run).
		steps := []struct {
			name      string
			change    func()
			wantState monitor.State
			wantTitle string
			wantBody  string
		}{
			{name: "outage",
				change: func() {
					acme.Set("Card payments", demo.Major)
					acme.SetIncident(&demo.Incident{Name: "Card payments failing", Impact: "critical", Status: "investigating", Update: "We are <b>investigating</b> failed payments."})
				},
				wantState: monitor.StateMajorOutage, wantTitle: "Acme Pay: Major outage", wantBody: "Card payments failing — We are investigating failed payments."},
			{name: "recovery",
				change: func() {
					acme.SetAll(demo.Operational)
					acme.SetIncident(nil)
				},
				wantState: monitor.StateOperational, wantTitle: "Acme Pay is back to normal", wantBody: "Working normally again."},
		}
		for _, st := range steps {
			st.change()
			w.CheckNow()
			notes := nextUntil(t, updates, "Acme Pay "+st.wantState.String(), func(s monitor.Snapshot) bool { return stateOf(s, "acme-pay") == st.wantState })
			// A notification waits for the storm window to pass (storm coalescing) before it goes out.
			notes = append(notes, untilNotified(t, updates, len(notes))...)
			if len(notes) != 1 {
				t.Fatalf("%s: notifications %+v, want exactly one", st.name, notes)
			}
			n := notes[0]
			if n.ServiceID != "acme-pay" || n.Title != st.wantTitle || !strings.HasPrefix(n.Body, st.wantBody) || n.State != st.wantState {
				t.Errorf("%s: notification = %+v, want %q / %q… at %v", st.name, n, st.wantTitle, st.wantBody, st.wantState)
			}
		}
	})
}

func TestCheckOnce(t *testing.T) {
	var failingHits, healthyHits atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/failing", func(w http.ResponseWriter, r *http.Request) {
		failingHits.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	})
	mux.HandleFunc("/healthy", func(w http.ResponseWriter, r *http.Request) {
		healthyHits.Add(1)
		w.Write([]byte("<html>Welcome</html>"))
	})
	acme := demo.NewPage("acmepay0demo", "Acme Pay", "Card payments")
	acme.Set("Card payments", demo.Degraded)
	mux.Handle("/acmepay0demo/", demo.NewServer(nil, acme))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := netFetcher(t)
	probeSpec := func(id, path string) monitor.ServiceSpec {
		url := srv.URL + path
		return monitor.ServiceSpec{ID: id, Name: id, URL: url, Targets: []monitor.Target{{
			ServiceID: id, SourceID: "probe:127.0.0.1", Kind: monitor.KindProbe, Platform: "probe", URL: url,
			Interval: time.Minute, Checker: probe.New(probe.Options{URL: url}, f),
		}}}
	}
	specs := []monitor.ServiceSpec{probeSpec("visa", "/failing"), probeSpec("amex", "/healthy"), demoSpec(srv.URL, acme, f)}

	snap := monitor.CheckOnce(context.Background(), specs, monitor.Thresholds{}, nil)

	tests := []struct {
		id       string
		want     monitor.State
		hits     *atomic.Int32
		wantHits int32
	}{
		{id: "visa", want: monitor.StateMajorOutage, hits: &failingHits, wantHits: 2},
		{id: "amex", want: monitor.StateOperational, hits: &healthyHits, wantHits: 1},
		{id: "acme-pay", want: monitor.StateDegraded},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			if got := stateOf(snap, tt.id); got != tt.want {
				t.Errorf("state = %v, want %v", got, tt.want)
			}
			if tt.hits != nil {
				if got := tt.hits.Load(); got != tt.wantHits {
					t.Errorf("server saw %d requests, want %d", got, tt.wantHits)
				}
			}
		})
	}
	if snap.Offline {
		t.Error("snapshot marked offline without a connectivity check")
	}
}

// TestWatcherReminders: with reminders on, a problem that lasts is told again every half hour,
// however busy the watcher is meanwhile (checks every minute, the sleep tick every 15 s).
func TestWatcherReminders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pages := &fakePages{states: map[string]monitor.State{"adyen": operational}}
		cfg := monitor.AlertConfig{Reminders: monitor.Duration(30 * time.Minute)}
		sw := startBubbleWatch(t, []monitor.ServiceSpec{pages.spec("adyen", "Adyen")},
			monitor.WatcherOptions{Alerts: cfg, Policy: monitor.NewPolicy(cfg, nil, time.UTC)})
		defer sw.stop()
		time.Sleep(10 * time.Second) // the baseline
		pages.set("adyen", major)
		time.Sleep(95 * time.Minute)
		synctest.Wait()
		want := []string{"Adyen: Major outage", "Adyen: still major outage", "Adyen: still major outage", "Adyen: still major outage"}
		if got := titlesOf(sw.take()); !slices.Equal(got, want) {
			t.Errorf("95 minutes into an outage: notified %q, want %q", got, want)
		}
	})
}

// TestWatcherCommandsNeverDropped: snoozes and resumes made while the watcher is busy (here:
// nobody reads its updates for a minute) return at once and are all applied, in order.
func TestWatcherCommandsNeverDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pages := &fakePages{states: map[string]monitor.State{"adyen": operational}}
		w := monitor.NewWatcher([]monitor.ServiceSpec{pages.spec("adyen", "Adyen")},
			monitor.WatcherOptions{Engine: monitor.EngineOptions{Stagger: time.Millisecond}})
		ctx, cancel := context.WithCancel(t.Context())
		updates := make(chan monitor.Update)
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx, updates) }()
		defer func() {
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("Run = %v, want context.Canceled", err)
			}
		}()

		time.Sleep(time.Minute) // Run waits to send its first update all along
		start := time.Now()
		until := start.Add(time.Hour)
		const n = 50
		for i := range n {
			w.Snooze(fmt.Sprintf("service-%d", i), until)
		}
		w.Resume("service-0")
		w.Snooze("", until)
		if waited := time.Since(start); waited != 0 {
			t.Errorf("the commands took %v, want no wait at all", waited)
		}

		var last monitor.Update
		deadline := time.After(time.Minute)
		for {
			select {
			case last = <-updates:
				if len(last.Alerts.Snoozed) < n-1 {
					continue
				}
			case <-deadline:
			}
			break
		}
		if got := len(last.Alerts.Snoozed); got != n-1 {
			t.Errorf("%d services snoozed, want %d", got, n-1)
		}
		if _, ok := last.Alerts.Snoozed["service-0"]; ok {
			t.Error("service-0 is snoozed, want it resumed: the resume came after its snooze")
		}
		if !last.Alerts.SnoozedAll.Equal(until) {
			t.Errorf("everything snoozed until %v, want %v", last.Alerts.SnoozedAll, until)
		}
	})
}
