package history

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// The real watcher's updates, recorded as the desktop will record them: a page posts an
// incident, updates it and resolves it while the website fails from here for a while.
func TestRecordsARealWatcher(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		comp := monitor.Component{ID: "api", Name: "API", State: monitor.StateOperational}
		rep := monitor.Report{PageName: "Stripe", PageURL: "https://status.stripe.com", Indicator: monitor.StateOperational, Components: []monitor.Component{comp}}
		probeFails := false
		pageCheck := monitor.CheckerFunc(func(context.Context) (monitor.Report, error) {
			mu.Lock()
			defer mu.Unlock()
			r := rep
			r.Components = append([]monitor.Component(nil), rep.Components...)
			return r, nil
		})
		probeCheck := monitor.CheckerFunc(func(context.Context) (monitor.Report, error) {
			mu.Lock()
			defer mu.Unlock()
			if probeFails {
				return monitor.Report{}, errors.New("connection refused")
			}
			return monitor.Report{Probe: &monitor.ProbeResult{StatusCode: 200, State: monitor.StateOperational, Verdict: "reachable", Reason: "answered 200"}}, nil
		})
		specs := []monitor.ServiceSpec{{ID: "stripe", Name: "Stripe", URL: "https://status.stripe.com", Targets: []monitor.Target{
			{ServiceID: "stripe", SourceID: "page", Kind: monitor.KindPage, Platform: "statuspage", URL: "https://status.stripe.com", Interval: time.Minute, Checker: pageCheck},
			{ServiceID: "stripe", SourceID: "probe:stripe.com", Kind: monitor.KindProbe, Platform: "probe", URL: "https://stripe.com", Interval: time.Minute, Checker: probeCheck},
		}}}
		start := time.Now()
		s, _, err := Open(filepath.Join(t.TempDir(), "history.db"), Options{Heartbeat: 30 * time.Second})
		must(err)
		defer s.Close()
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { _ = s.Run(ctx) })
		updates := make(chan monitor.Update, 16)
		watcher := monitor.NewWatcher(specs, monitor.WatcherOptions{})
		wg.Go(func() { _ = watcher.Run(ctx, updates) })
		wg.Go(func() {
			for {
				select {
				case u := <-updates:
					s.Record(u)
				case <-ctx.Done():
					return
				}
			}
		})
		set := func(f func()) { mu.Lock(); f(); mu.Unlock() }

		time.Sleep(3 * time.Minute)
		in := monitor.Incident{ID: "x1", Title: "Card payments failing", Impact: monitor.StatePartialOutage, Status: "investigating",
			URL: "https://status.stripe.com/incidents/x1", CreatedAt: time.Now().Add(-time.Minute), UpdatedAt: time.Now(), LatestUpdate: "We are looking into it.", Components: []string{"api"}}
		set(func() {
			rep.Indicator, rep.Incidents = monitor.StatePartialOutage, []monitor.Incident{in}
			rep.Components = []monitor.Component{{ID: "api", Name: "API", State: monitor.StatePartialOutage}}
			probeFails = true
		})
		time.Sleep(5 * time.Minute)
		in.Status, in.UpdatedAt, in.LatestUpdate = "identified", time.Now(), "Found it; fixing.\nMore soon."
		set(func() { rep.Incidents = []monitor.Incident{in}; probeFails = false })
		time.Sleep(5 * time.Minute)
		resolvedAt := time.Now()
		in.Status, in.UpdatedAt, in.ResolvedAt, in.LatestUpdate = "resolved", resolvedAt, resolvedAt, "Resolved."
		set(func() {
			rep.Indicator, rep.Incidents, rep.Resolved = monitor.StateOperational, nil, []monitor.Incident{in}
			rep.Components = []monitor.Component{comp}
		})
		time.Sleep(5 * time.Minute)
		flush(t, s)
		cancel()
		wg.Wait()

		incs, err := s.Incidents(context.Background(), IncidentQuery{From: start, Now: time.Now()})
		must(err)
		if len(incs) != 1 {
			t.Fatalf("%d incidents, want 1", len(incs))
		}
		got := incs[0]
		var texts []string
		for _, u := range got.Updates {
			texts = append(texts, u.Status+": "+u.Text)
			if u.SHA256 != Hash(u.Text) {
				t.Errorf("update %q has hash %s", u.Text, u.SHA256)
			}
		}
		if want := "investigating: We are looking into it.|identified: Found it; fixing.\nMore soon.|resolved: Resolved."; strings.Join(texts, "|") != want {
			t.Errorf("updates %q, want %q", strings.Join(texts, "|"), want)
		}
		if got.EndedAt.IsZero() || got.Ongoing || !got.ResolvedAt.Equal(resolvedAt.UTC().Truncate(time.Millisecond)) {
			t.Errorf("ended %s resolved %s ongoing %v; want it ended and resolved at %s", got.EndedAt, got.ResolvedAt, got.Ongoing, resolvedAt)
		}
		if got.FirstSeen.Before(start.Add(3*time.Minute)) || got.FirstSeen.After(start.Add(5*time.Minute)) {
			t.Errorf("first seen %s, want within two minutes of the incident (%s)", got.FirstSeen, start.Add(3*time.Minute))
		}
		var network []string
		for _, e := range got.Sources {
			if e.SourceKind == "probe" {
				network = append(network, StateName(e.To))
			}
		}
		if strings.Join(network, " ") != "unknown operational major_outage operational" {
			t.Errorf("the network's view %v, want not checked yet, operational, then failing, then operational", network)
		}

		evs, err := s.Timeline(context.Background(), Filter{Services: []string{"stripe"}})
		must(err)
		var states []string
		for _, e := range evs {
			if e.Kind == EventChange && e.Source == "" {
				states = append(states, StateName(e.To))
			}
		}
		// The page says partial outage at once; the failing website is believed after two checks
		// and makes it major; two good checks later the page's partial outage is left.
		if want := "unknown operational partial_outage major_outage partial_outage operational"; strings.Join(states, " ") != want {
			t.Errorf("service states %q, want %q", strings.Join(states, " "), want)
		}
		up, err := s.Uptime(context.Background(), 1, time.Now(), time.UTC)
		must(err)
		d := up[0].Days[0]
		problem := d.Minutes.PartialOutage + d.Minutes.MajorOutage
		if d.Minutes.PartialOutage <= 0 || d.Minutes.MajorOutage <= 0 || problem < 8 || problem > 12 || d.Minutes.Operational < 6 {
			t.Errorf("day %+v: want about ten minutes of partial and major outage, the rest operational", d.Minutes)
		}
		if total := d.Minutes.Total() + d.NotWatched; !near(total, time.Since(d.Start).Minutes()) {
			t.Errorf("the day adds up to %.2f minutes, want %.2f", total, time.Since(d.Start).Minutes())
		}
	})
}
