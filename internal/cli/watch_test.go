package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/demo"
)

// TestFanOutGivesEachSinkItsOwn: every sink gets every update, with only the notifications its
// own threshold wants; a sink without one (the team channels) gets them all.
func TestFanOutGivesEachSinkItsOwn(t *testing.T) {
	major := monitor.StateMajorOutage
	desktop := monitor.DesktopSink(monitor.AlertConfig{MinSeverity: &major}, nil)
	from := make(chan monitor.Update)
	toDesktop, toChannels := make(chan monitor.Update, 1), make(chan monitor.Update, 1)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		fanOut(ctx, from, []sinkIn{{wants: &desktop, in: toDesktop}, {in: toChannels}})
		close(done)
	}()
	from <- monitor.Update{Notifications: []monitor.Notification{
		{ServiceID: "stripe", Title: "Stripe: Degraded", State: monitor.StateDegraded, Severity: monitor.StateDegraded},
		{ServiceID: "adyen", Title: "Adyen: Major outage", State: major, Severity: major},
	}}
	titles := func(u monitor.Update) (out []string) {
		for _, n := range u.Notifications {
			out = append(out, n.Title)
		}
		return out
	}
	if got, want := titles(<-toDesktop), []string{"Adyen: Major outage"}; !slices.Equal(got, want) {
		t.Errorf("desktop got %q, want %q", got, want)
	}
	if got, want := titles(<-toChannels), []string{"Stripe: Degraded", "Adyen: Major outage"}; !slices.Equal(got, want) {
		t.Errorf("channels got %q, want %q", got, want)
	}
	cancel()
	<-done
}

// TestChannelHearsWhatTheDesktopDoesNot runs the real watcher with a team channel at degraded
// (a webhook on 127.0.0.1) while the desktop is set to major_outage: the channel hears of a
// degradation and of its recovery, the desktop of neither.
func TestChannelHearsWhatTheDesktopDoesNot(t *testing.T) {
	if testing.Short() {
		t.Skip("two notifications, each waiting out the storm window: about 25 s")
	}
	acme := demo.NewPage("acmepay00001", "Acme Pay", "Card payments")
	pages := httptest.NewServer(demo.NewServer(nil, acme))
	defer pages.Close()
	var mu sync.Mutex
	var hooked []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]string
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		mu.Lock()
		hooked = append(hooked, m["title"])
		mu.Unlock()
	}))
	defer hook.Close()
	cfg, err := monitor.ParseConfig(fmt.Appendf(nil, `services:
  - {name: Acme Pay, url: %s/acmepay00001, platform: statuspage, interval: 1s}
alerts: {min_severity: major_outage}
channels: [{name: Team, url: "generic+%s/hook", min_severity: degraded}]
`, pages.URL, hook.URL))
	if err != nil {
		t.Fatal(err)
	}
	specs, err := resolve(cfg, newFetcher())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	disp := newChannels(cfg, log, "")
	w, wants := newWatcher(watchOptions{cfg: cfg, specs: specs, channels: disp, log: log})

	var desktopMu sync.Mutex
	var shown []string
	updates, checked := 0, false
	desktop := sink{name: "desktop", wants: &wants, run: func(ctx context.Context, in <-chan monitor.Update) {
		for {
			select {
			case <-ctx.Done():
				return
			case u := <-in:
				desktopMu.Lock()
				updates++
				for _, sv := range u.Snapshot.Services {
					checked = checked || !sv.CheckedAt.IsZero()
				}
				for _, n := range u.Notifications {
					shown = append(shown, n.Title)
				}
				desktopMu.Unlock()
			}
		}
	}}
	seen := func() int { desktopMu.Lock(); defer desktopMu.Unlock(); return updates }
	hookCount := func() int { mu.Lock(); defer mu.Unlock(); return len(hooked) }

	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- watch(ctx, w, desktop, channelSink(disp)) }()
	wait := func(what string, cond func() bool) {
		t.Helper()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for !cond() {
			select {
			case <-ctx.Done():
				t.Fatalf("%s: %v", what, ctx.Err())
			case <-tick.C:
			}
		}
	}
	// The first check must be in before the page changes: a change seen in the first check is
	// the baseline, not news (the first update, the start, comes before any check).
	wait("first poll", func() bool { desktopMu.Lock(); defer desktopMu.Unlock(); return checked })
	acme.Set("Card payments", demo.Degraded)
	wait("the channel hears of the degradation", func() bool { return hookCount() >= 1 })
	acme.SetAll(demo.Operational)
	wait("the channel hears of the recovery", func() bool { return hookCount() >= 2 })
	// The desktop gets each update before the channels do: two more updates, and it has
	// certainly been given the one with the recovery.
	n := seen()
	wait("more polls", func() bool { return seen() >= n+2 })
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("watch: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"Acme Pay: Degraded", "Acme Pay is back to normal"}; !slices.Equal(hooked, want) {
		t.Errorf("channel heard %q, want %q", hooked, want)
	}
	desktopMu.Lock()
	defer desktopMu.Unlock()
	if len(shown) != 0 {
		t.Errorf("desktop at major_outage was told %q, want nothing", shown)
	}
}
