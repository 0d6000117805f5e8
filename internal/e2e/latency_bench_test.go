//go:build linux

package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/paywatch/paywatch/app/desktoptest"
	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/demo"
)

// Latency targets (issue 14): an official change reaches the tray icon within one interval and
// a second, and the notification follows the icon within the storm-folding wait and a second.
const (
	latencyServices = 20
	latencyInterval = 10 * time.Second
	latencySlack    = time.Second
)

// BenchmarkLatency measures how long an official change on a status page takes to reach the
// tray icon and the desktop notification: the real binary watching 20 pages on 127.0.0.1 every
// 10 s, under Xvfb with a private D-Bus session, its tray item read from the private
// StatusNotifierWatcher and its notifications received by the private notification server.
// Ten changes are made one after another, each once the notification of the one before has
// arrived (so no two fold into one summary) and a random part of an interval has passed (so
// that the changes fall anywhere in the checks' cycle): a page goes to a major outage, then
// the same page recovers, then the next page. Each is timed from the moment the page changed
// at the server to the tray's NewIcon signal (with the icon's colour checked) and to the
// Notify call. Run once (about 4 minutes):
//
//	go test -run '^$' -bench Latency -benchtime 1x ./internal/e2e
//
// PAYWATCH_LATENCY_CHANGES sets another number of changes; PAYWATCH_LATENCY_LOG names a file
// to keep the app's log in (its timestamps show where the time went).
func BenchmarkLatency(b *testing.B) {
	changes := envCount(b, "PAYWATCH_LATENCY_CHANGES", 10)
	bin := desktoptest.Build(b, "github.com/paywatch/paywatch")
	srv := newLatencyServer(b, latencyServices)
	cfg := srv.config(b, latencyInterval)
	for b.Loop() {
		runs := measureLatency(b, bin, srv, cfg, changes)
		reportLatency(b, runs)
	}
}

// latencyServer serves demo Statuspage pages and remembers, for each page changed, when the
// change was made and when a poll first got it.
type latencyServer struct {
	*httptest.Server
	pages []*demo.Page

	// mu is held while a page changes and while a page is served, so that a poll either gets
	// a change whole or not at all, and its time is that of the poll that got it.
	mu      sync.Mutex
	changed map[string]time.Time // page ID → when its latest change was made
	served  map[string]time.Time // page ID → when a poll first got that change
}

func newLatencyServer(b *testing.B, n int) *latencyServer {
	s := &latencyServer{changed: map[string]time.Time{}, served: map[string]time.Time{}}
	for i := range n {
		s.pages = append(s.pages, demo.NewPage(fmt.Sprintf("latency%05d", i), fmt.Sprintf("Service %02d", i+1), "Payments", "Payouts", "Dashboard"))
	}
	h := demo.NewServer(nil, s.pages...)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/canary" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		id, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		s.mu.Lock()
		defer s.mu.Unlock()
		if _, ok := s.changed[id]; ok {
			if _, ok := s.served[id]; !ok {
				s.served[id] = time.Now()
			}
		}
		h.ServeHTTP(w, r)
	}))
	b.Cleanup(s.Close)
	return s
}

// config writes Paywatch's settings: every page a Statuspage service with its own id (the
// service= attribute of its log lines), and the connectivity check on the same server.
func (s *latencyServer) config(b *testing.B, interval time.Duration) string {
	var c strings.Builder
	c.WriteString("services:\n")
	for _, p := range s.pages {
		fmt.Fprintf(&c, "  - name: %s\n    id: %s\n    url: %s/%s\n    platform: statuspage\n    interval: %s\n", p.Name, p.ID, s.URL, p.ID, interval)
	}
	fmt.Fprintf(&c, "connectivity:\n  canaries: [%s/canary]\n", s.URL)
	path := filepath.Join(b.TempDir(), "latency.yaml")
	if err := os.WriteFile(path, []byte(c.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	return path
}

// change puts p into a major outage (or back to normal) and returns when.
func (s *latencyServer) change(p *demo.Page, outage bool) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if outage {
		p.Set("Payments", demo.Major)
		p.SetIncident(&demo.Incident{Name: "Payments failing", Impact: "critical", Status: "identified", Update: "We are working on it."})
	} else {
		p.SetAll(demo.Operational)
		p.SetIncident(nil)
	}
	at := time.Now()
	s.changed[p.ID] = at
	delete(s.served, p.ID)
	return at
}

// servedAt is when a poll first got the latest change of page id (zero if none has).
func (s *latencyServer) servedAt(id string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.served[id]
}

// latencyRun is one timed change; every time is on the benchmark's clock except logged, the
// app's own log line (millisecond precision).
type latencyRun struct {
	service, to string
	changed     time.Time // the page changed at the server
	served      time.Time // a poll got the change
	logged      time.Time // the app logged "service changed"
	icon        time.Time // the tray item's NewIcon signal, the icon showing the new state
	notified    time.Time // the notification server received Notify
}

func measureLatency(b *testing.B, bin string, srv *latencyServer, cfg string, changes int) []latencyRun {
	b.Helper()
	d := desktoptest.Start(b)
	p := d.StartApp(b, bin, "--config", cfg)
	perChange := latencyInterval + monitor.StormWindow + 30*time.Second
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute+time.Duration(changes)*perChange)
	defer cancel()
	item, err := d.WaitItem(ctx)
	if err != nil {
		b.Fatalf("tray item: %v\n%s", err, p.Output())
	}
	if err := waitIcon(ctx, b, item, "operational"); err != nil {
		b.Fatalf("%v\n%s", err, p.Output())
	}
	all := fmt.Sprintf("Paywatch: all %d services working normally", len(srv.pages))
	if err := desktoptest.WaitFor(ctx, func() (bool, error) {
		tip, _, err := item.ToolTip()
		return tip == all, err
	}); err != nil {
		b.Fatalf("the tooltip never said %q: %v\n%s", all, err, p.Output())
	}
	if n := d.Notifications(); len(n) != 0 {
		b.Fatalf("%d notifications at start-up, want none: %+v", len(n), n)
	}
	icons := watchIcons(b, d, item)

	var runs []latencyRun
	for k := range changes {
		page := srv.pages[k/2*3%len(srv.pages)] // 3 and 20 have no common factor: every page in turn
		outage := k%2 == 0
		state, summary := "operational", page.Name+" is back to normal"
		if outage {
			state, summary = "major_outage", page.Name+": Major outage"
		}
		want := stateColor(b, state)
		// Each change would otherwise come just after the notification of the one before, at
		// the same point of the checks' cycle every time (it was a storm wait after one of
		// them): a pause anywhere in one interval makes the wait for the next check fall
		// anywhere from nothing to the whole interval, as it does for a change at a real page.
		time.Sleep(rand.N(latencyInterval))
		before := len(d.Notifications())
		for len(icons) > 0 {
			<-icons
		}
		cctx, ccancel := context.WithTimeout(ctx, perChange)
		r := latencyRun{service: page.ID, to: state, changed: srv.change(page, outage)}
		for r.icon.IsZero() {
			select {
			case at := <-icons:
				if c, err := item.IconColor(); err == nil && near(c, want) {
					r.icon = at
				}
			case <-cctx.Done():
				c, _ := item.IconColor()
				ccancel()
				b.Fatalf("change %d (%s to %s): no NewIcon signal with the %s icon within %v; the icon is %v (%s)\n%s",
					k+1, page.Name, state, state, perChange, c, desktoptest.ColorName(c), p.Output())
			}
		}
		notes, err := d.WaitNotifications(cctx, before+1)
		ccancel()
		if err != nil {
			b.Fatalf("change %d (%s to %s): %v\n%s", k+1, page.Name, state, err, p.Output())
		}
		if n := notes[before]; n.Summary != summary {
			b.Fatalf("change %d: notification %q, want %q (two changes folded into one?)", k+1, n.Summary, summary)
		}
		r.notified = notes[before].At
		r.served = srv.servedAt(page.ID)
		runs = append(runs, r)
	}
	out := p.Output()
	p.Stop(5 * time.Second)
	if path := os.Getenv("PAYWATCH_LATENCY_LOG"); path != "" {
		if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
			b.Error(err)
		}
	}
	for k := range runs {
		runs[k].logged = loggedChange(out, runs[k])
	}
	return runs
}

// watchIcons reports the time of every NewIcon signal of item (fyne.io/systray sets the
// IconPixmap property first, then emits the signal).
func watchIcons(b *testing.B, d *desktoptest.Desktop, item *desktoptest.Item) <-chan time.Time {
	conn := d.Conn()
	if err := conn.AddMatchSignal(dbus.WithMatchObjectPath(item.Path), dbus.WithMatchInterface(desktoptest.ItemInterface), dbus.WithMatchMember("NewIcon")); err != nil {
		b.Fatalf("watch NewIcon: %v", err)
	}
	sigs := make(chan *dbus.Signal, 16)
	conn.Signal(sigs) // closed when the desktop's connection closes
	out := make(chan time.Time, 16)
	go func() {
		for s := range sigs {
			if s.Path == item.Path && s.Name == desktoptest.ItemInterface+".NewIcon" {
				select {
				case out <- time.Now():
				default:
				}
			}
		}
	}()
	return out
}

// loggedChange finds the app's `service changed` line for r in its output (zero if none).
func loggedChange(out string, r latencyRun) time.Time {
	for _, ln := range strings.Split(out, "\n") {
		if !strings.Contains(ln, `msg="service changed"`) || !strings.Contains(ln, "service="+r.service+" ") || !strings.Contains(ln, "to="+r.to) {
			continue
		}
		v, _, _ := strings.Cut(strings.TrimPrefix(ln, "time="), " ")
		at, err := time.Parse(time.RFC3339Nano, v)
		if err == nil && !at.Before(r.changed.Truncate(time.Millisecond)) {
			return at
		}
	}
	return time.Time{}
}

// reportLatency reports the medians and maxima as metrics and logs, change by change, where
// the time went. A benchmark keeps only nine lines of its log, hence one line per quantity.
func reportLatency(b *testing.B, runs []latencyRun) {
	var icon, notified, after, polled, seen, drawn []time.Duration
	var rows [4]strings.Builder
	cell := func(row int, from, to time.Time) {
		if from.IsZero() || to.IsZero() {
			rows[row].WriteString("      ?")
			return
		}
		fmt.Fprintf(&rows[row], " %6.3f", to.Sub(from).Seconds())
	}
	for _, r := range runs {
		icon = append(icon, r.icon.Sub(r.changed))
		notified = append(notified, r.notified.Sub(r.changed))
		after = append(after, r.notified.Sub(r.icon))
		if !r.served.IsZero() {
			polled = append(polled, r.served.Sub(r.changed))
			if !r.logged.IsZero() {
				seen = append(seen, r.logged.Sub(r.served))
			}
		}
		if !r.logged.IsZero() {
			drawn = append(drawn, r.icon.Sub(r.logged))
		}
		cell(0, r.changed, r.icon)
		cell(1, r.changed, r.served)
		cell(2, r.logged, r.icon)
		cell(3, r.icon, r.notified)
	}
	b.Logf("per change, in seconds (outage, recovery, outage, …): change → icon        %s", rows[0].String())
	b.Logf("per change, in seconds (outage, recovery, outage, …): change → poll        %s", rows[1].String())
	b.Logf("per change, in seconds (outage, recovery, outage, …): logged → icon        %s", rows[2].String())
	b.Logf("per change, in seconds (outage, recovery, outage, …): icon → notification  %s", rows[3].String())
	b.ReportMetric(0, "ns/op") // one loop of several minutes says nothing
	report := func(name string, d []time.Duration) {
		b.ReportMetric(median(d).Seconds(), name+"-median-s")
		b.ReportMetric(slices.Max(d).Seconds(), name+"-max-s")
	}
	report("icon", icon)
	report("notification", notified)
	report("icon-to-notification", after)
	b.Logf("where the time goes (median / max): poll wait %s / %s, poll to log %s / %s, log to icon %s / %s",
		ms(median(polled)), ms(maxOf(polled)), ms(median(seen)), ms(maxOf(seen)),
		ms(median(drawn)), ms(maxOf(drawn)))
	iconTarget, afterTarget := latencyInterval+latencySlack, monitor.StormWindow+latencySlack
	b.Logf("over %d changes (load average %s): change → icon median %s max %s, target ≤ interval + 1 s = %s: %s; "+
		"icon → notification median %s max %s, target ≤ storm wait + 1 s = %s: %s; change → notification median %s max %s",
		len(runs), loadAverage(), ms(median(icon)), ms(maxOf(icon)), iconTarget, met(maxOf(icon) <= iconTarget),
		ms(median(after)), ms(maxOf(after)), afterTarget, met(maxOf(after) <= afterTarget), ms(median(notified)), ms(maxOf(notified)))
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func ms(d time.Duration) time.Duration { return d.Round(time.Millisecond) }

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func maxOf(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return slices.Max(d)
}

func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(raw))[:3], " ")
}
