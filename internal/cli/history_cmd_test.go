package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/channels"
	"github.com/paywatch/paywatch/monitor/history"
)

// The commands are tested against a history the real sink filled: the watcher's updates go
// through watch() to historySink (and a channel's outcome through the channels hook's mapping),
// in a synctest bubble, where a scripted incident takes no real time.
//
//	10:00  Stripe and PayPal operational, Stripe's website reachable (local time, in any zone)
//	10:03  Stripe's page posts an incident (partial outage); the website fails from here
//	10:08  the incident is updated ("identified"); the website answers again
//	10:13  it is resolved
//	10:18  Paywatch stops; it starts again at 11:18 (an hour not running) and runs 5 minutes
const (
	incTitle = "Card payments failing"
	incText1 = "We are looking into failed card payments.\nSome may fail."
	incText2 = "Found it & fixing: 5 < 6, no markup."
	incText3 = "Resolved."
)

// scriptedWorld is what the fake status page and website show; the test changes it.
type scriptedWorld struct {
	mu         sync.Mutex
	indicator  monitor.State
	incidents  []monitor.Incident
	resolved   []monitor.Incident
	probeFails bool
}

func (w *scriptedWorld) set(f func()) { w.mu.Lock(); f(); w.mu.Unlock() }

func (w *scriptedWorld) specs() []monitor.ServiceSpec {
	page := monitor.CheckerFunc(func(context.Context) (monitor.Report, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		return monitor.Report{PageName: "Stripe", PageURL: "https://status.stripe.com", Indicator: w.indicator,
			Components: []monitor.Component{{ID: "api", Name: "API", State: w.indicator}},
			Incidents:  slices.Clone(w.incidents), Resolved: slices.Clone(w.resolved)}, nil
	})
	probe := monitor.CheckerFunc(func(context.Context) (monitor.Report, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.probeFails {
			return monitor.Report{}, errors.New("connection refused")
		}
		return monitor.Report{Probe: &monitor.ProbeResult{StatusCode: 200, State: monitor.StateOperational, Verdict: "reachable", Reason: "answered 200"}}, nil
	})
	paypal := monitor.CheckerFunc(func(context.Context) (monitor.Report, error) {
		return monitor.Report{PageName: "PayPal", Indicator: monitor.StateOperational}, nil
	})
	return []monitor.ServiceSpec{
		{ID: "stripe", Name: "Stripe", URL: "https://status.stripe.com", Targets: []monitor.Target{
			{ServiceID: "stripe", SourceID: "page", Kind: monitor.KindPage, Platform: "statuspage", URL: "https://status.stripe.com", Interval: time.Minute, Checker: page},
			{ServiceID: "stripe", SourceID: "probe:stripe.com", Kind: monitor.KindProbe, Platform: "probe", URL: "https://stripe.com", Interval: time.Minute, Checker: probe},
		}},
		{ID: "paypal", Name: "PayPal", URL: "https://www.paypal-status.com", Targets: []monitor.Target{
			{ServiceID: "paypal", SourceID: "page", Kind: monitor.KindPage, Platform: "statuspage", URL: "https://www.paypal-status.com", Interval: time.Minute, Checker: paypal},
		}},
	}
}

// runPaywatch runs the watcher with the history sink, as the tray and headless runs do, until
// script returns.
func runPaywatch(t *testing.T, w *scriptedWorld, script func(*history.Store)) {
	t.Helper()
	cfg := &monitor.Config{}
	log := slog.New(slog.DiscardHandler)
	st, notice := openHistory(cfg, log)
	if st == nil || notice != "" {
		t.Fatalf("history not opened: %q", notice)
	}
	defer st.Close()
	watcher, _ := newWatcher(watchOptions{cfg: cfg, specs: w.specs(), history: st, log: log})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- watch(ctx, watcher, historySink(st, log)) }()
	script(st)
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("watch: %v", err)
	}
}

// withHistory fills a history in a private state folder with the scripted incident and runs f in
// the same bubble, at 11:23 local time.
func withHistory(t *testing.T, f func(t *testing.T)) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	synctest.Test(t, func(t *testing.T) {
		now := time.Now().In(time.Local)
		ten := time.Date(now.Year(), now.Month(), now.Day(), 10, 0, 0, 0, time.Local)
		if ten.Before(now) {
			ten = ten.AddDate(0, 0, 1)
		}
		time.Sleep(time.Until(ten))
		w := &scriptedWorld{indicator: monitor.StateOperational}
		runPaywatch(t, w, func(st *history.Store) {
			time.Sleep(3 * time.Minute)
			in := monitor.Incident{ID: "x1", Title: incTitle, Impact: monitor.StatePartialOutage, Status: "investigating",
				URL: "https://status.stripe.com/incidents/x1", CreatedAt: time.Now().Add(-time.Minute), UpdatedAt: time.Now(), LatestUpdate: incText1, Components: []string{"api"}}
			w.set(func() {
				w.indicator, w.incidents, w.probeFails = monitor.StatePartialOutage, []monitor.Incident{in}, true
			})
			time.Sleep(5 * time.Minute)
			in.Status, in.UpdatedAt, in.LatestUpdate = "identified", time.Now(), incText2
			w.set(func() { w.incidents, w.probeFails = []monitor.Incident{in}, false })
			time.Sleep(5 * time.Minute)
			in.Status, in.UpdatedAt, in.ResolvedAt, in.LatestUpdate = "resolved", time.Now(), time.Now(), incText3
			w.set(func() { w.indicator, w.incidents, w.resolved = monitor.StateOperational, nil, []monitor.Incident{in} })
			// What a team channel made of the outage notification, through the channels hook.
			st.RecordDelivery(delivery(channels.Outcome{At: time.Now(), Channel: "Team", Result: channels.Delivered, Attempts: 2,
				Notification: monitor.Notification{ServiceID: "stripe", Title: "Stripe: Partial outage", State: monitor.StatePartialOutage, Severity: monitor.StatePartialOutage}}))
			time.Sleep(5 * time.Minute)
		})
		time.Sleep(time.Hour)
		runPaywatch(t, w, func(*history.Store) { time.Sleep(5 * time.Minute) })
		f(t)
	})
}

func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(args, &out, &errOut)
	return out.String(), errOut.String(), code
}

func TestHistoryCommand(t *testing.T) {
	withHistory(t, func(t *testing.T) {
		out, errOut, code := run(t, "history")
		if code != 0 || errOut != "" {
			t.Fatalf("history: exit %d, stderr %q", code, errOut)
		}
		for _, want := range []string{
			"TIME", "SERVICE", "WHAT",
			"Stripe", "PayPal",
			"Operational → Partial outage",
			"From your network (stripe.com): Operational → Major outage",
			"Incident: " + incTitle + " [investigating] https://status.stripe.com/incidents/x1",
			"We are looking into failed card payments.", "Some may fail.", // the text's two lines
			"sha256 " + history.Hash(incText1),
			incText2, "sha256 " + history.Hash(incText2),
			"Incident over: " + incTitle,
			"Notified: Stripe", `Team: delivered "Stripe: Partial outage" after 2 attempts`,
			"Not watched: Paywatch not running until",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("history lacks %q:\n%s", want, out)
			}
		}

		// One service, by name; as JSON.
		out, errOut, code = run(t, "history", "Stripe", "--json")
		if code != 0 {
			t.Fatalf("history Stripe --json: exit %d, %s", code, errOut)
		}
		var got struct {
			Services []string         `json:"services"`
			Events   []map[string]any `json:"events"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		kinds := map[string]int{}
		var texts []string
		for _, e := range got.Events {
			kinds[e["kind"].(string)]++
			if e["service_id"] == "paypal" {
				t.Errorf("PayPal's event in Stripe's history: %v", e)
			}
			if txt, ok := e["text"].(string); ok {
				texts = append(texts, txt)
				if e["sha256"] != history.Hash(txt) {
					t.Errorf("text %q has hash %v", txt, e["sha256"])
				}
			}
		}
		if !slices.Equal(got.Services, []string{"stripe"}) || !slices.Equal(texts, []string{incText1, incText2, incText3}) {
			t.Errorf("services %q, texts %q; want stripe and the three texts as published", got.Services, texts)
		}
		for _, k := range []string{"change", "incident", "incident_update", "incident_end", "message", "not_watched"} {
			if kinds[k] == 0 {
				t.Errorf("no %s event in %v", k, kinds)
			}
		}

		// A range: the last ten minutes hold only the second run's start.
		out, _, _ = run(t, "history", "--since", "10m", "--json")
		if strings.Contains(out, incTitle) || !strings.Contains(out, `"not_watched"`) {
			t.Errorf("--since 10m: want the spell not running and no incident:\n%s", out)
		}
		today := time.Now().Format(time.DateOnly)
		out, _, code = run(t, "history", "--from", today, "--to", today, "paypal", "--csv")
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if code != 0 || err != nil || len(rows) < 2 {
			t.Fatalf("--csv: exit %d, %v:\n%s", code, err, out)
		}
		if !slices.Equal(rows[0][:4], []string{"at", "kind", "service_id", "service"}) {
			t.Errorf("CSV header %q", rows[0])
		}
		for _, r := range rows[1:] {
			if r[2] != "paypal" && r[1] != "not_watched" {
				t.Errorf("paypal's CSV has %q", r)
			}
		}
		// Nothing in a range before the history.
		out, _, code = run(t, "history", "--from", "1999-01-01", "--to", "1999-01-31")
		if code != 0 || !strings.HasPrefix(out, "Nothing recorded from 1999-01-01 00:00:00 to 1999-02-01 00:00:00") {
			t.Errorf("empty range: exit %d, %q", code, out)
		}
	})
}

func TestHistoryCSVKeepsTextsAsPublished(t *testing.T) {
	withHistory(t, func(t *testing.T) {
		out, _, code := run(t, "history", "stripe", "--csv")
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if code != 0 || err != nil {
			t.Fatalf("exit %d, %v", code, err)
		}
		col := slices.Index(rows[0], "text")
		hash := slices.Index(rows[0], "sha256")
		var texts []string
		for _, r := range rows[1:] {
			if r[col] != "" {
				texts = append(texts, r[col])
				if r[hash] != history.Hash(r[col]) {
					t.Errorf("CSV text %q with hash %s", r[col], r[hash])
				}
			}
		}
		if !slices.Equal(texts, []string{incText1, incText2, incText3}) {
			t.Errorf("CSV texts %q", texts)
		}
	})
}

func TestHistoryClear(t *testing.T) {
	withHistory(t, func(t *testing.T) {
		out, errOut, code := run(t, "history", "--clear")
		if code != 0 || errOut != "" {
			t.Fatalf("clear: exit %d, %q", code, errOut)
		}
		path, _ := history.DefaultPath()
		for _, want := range []string{"Cleared the history at " + path + ": ", "state changes", "1 incident,", "2 incident updates", "notifications and channel messages", "1 spell not watched,", "from " + time.Now().Format(time.DateOnly) + " 10:00:00"} {
			if !strings.Contains(out, want) {
				t.Errorf("clear said %q, want %q in it", out, want)
			}
		}
		out, _, _ = run(t, "history", "--json", "--since", "30d")
		if !strings.Contains(out, `"events": []`) {
			t.Errorf("after clearing, the history still has:\n%s", out)
		}
		out, _, _ = run(t, "history", "--clear")
		if !strings.Contains(out, "was already empty") {
			t.Errorf("clearing an empty history said %q", out)
		}
	})
}

func TestUptimeCommand(t *testing.T) {
	withHistory(t, func(t *testing.T) {
		out, errOut, code := run(t, "uptime", "--days", "3", "--json")
		if code != 0 {
			t.Fatalf("uptime --json: exit %d, %s", code, errOut)
		}
		var got struct {
			Days     int
			Services []history.ServiceUptime
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		if got.Days != 3 || len(got.Services) != 2 {
			t.Fatalf("%d days, %d services; want 3 and 2:\n%s", got.Days, len(got.Services), out)
		}
		for _, s := range got.Services {
			if len(s.Days) != 3 {
				t.Fatalf("%s: %d days", s.ServiceID, len(s.Days))
			}
			today := s.Days[2]
			// Watched 10:00–10:18 and 11:18–11:23; not watched the hour between. The first minute
			// or so is before the first check.
			if w := today.Minutes.Total(); w < 21 || w > 23.01 {
				t.Errorf("%s watched %.1f minutes today, want about 23", s.ServiceID, w)
			}
			if elapsed := time.Since(today.Start).Minutes(); today.Minutes.Total()+today.NotWatched < elapsed-0.01 || today.Minutes.Total()+today.NotWatched > elapsed+0.01 {
				t.Errorf("%s: %.2f watched + %.2f not = %.2f, want the %.2f minutes of today so far", s.ServiceID, today.Minutes.Total(), today.NotWatched, today.Minutes.Total()+today.NotWatched, elapsed)
			}
			if day := s.Days[0]; day.Minutes.Total() != 0 || day.NotWatched != day.End.Sub(day.Start).Minutes() {
				t.Errorf("%s: the day before the history: %+v, want all of it not watched", s.ServiceID, s.Days[0])
			}
			problem := today.Minutes.PartialOutage + today.Minutes.MajorOutage + today.Minutes.Degraded
			if s.ServiceID == "stripe" && (problem < 8 || problem > 12) || s.ServiceID == "paypal" && problem != 0 {
				t.Errorf("%s: %.1f minutes with a problem", s.ServiceID, problem)
			}
		}

		out, _, code = run(t, "uptime", "--days", "3")
		for _, want := range []string{"Stripe (stripe)", "PayPal (paypal)", "DATE", "OPERATIONAL", "PARTIAL OUTAGE", "NOT WATCHED",
			time.Now().Format(time.DateOnly), "Not watched at all on 2 of the 3 days", "Working (operational or maintenance)"} {
			if !strings.Contains(out, want) {
				t.Errorf("uptime table lacks %q:\n%s", want, out)
			}
		}
		if code != 0 {
			t.Errorf("uptime: exit %d", code)
		}
	})
}

func TestReportCommand(t *testing.T) {
	withHistory(t, func(t *testing.T) {
		dir := t.TempDir()
		cfg := filepath.Join(dir, "c.yaml")
		// Business hours from 10:00 to 10:05 every day: three minutes of the incident.
		if err := os.WriteFile(cfg, []byte("services: [{name: Stripe, url: https://status.stripe.com}]\nalerts: {business_hours: {from: \"10:00\", to: \"10:05\"}}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		today := time.Now().Format(time.DateOnly)
		for _, ext := range []string{"html", "csv", "json"} {
			file := filepath.Join(dir, "report."+ext)
			out, errOut, code := run(t, "report", "--from", today, "--to", today, "--service", "Stripe", "--config", cfg, "--out", file)
			if code != 0 || errOut != "" || out != fmt.Sprintf("Wrote %s: 1 incident or maintenance from %s 00:00:00 to %s 00:00:00.\n", file, today, time.Now().AddDate(0, 0, 1).Format(time.DateOnly)) {
				t.Fatalf("report .%s: exit %d, stdout %q, stderr %q", ext, code, out, errOut)
			}
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{incTitle, history.Hash(incText1), history.Hash(incText2), history.Hash(incText3)} {
				if !strings.Contains(string(b), want) {
					t.Errorf("report.%s lacks %q", ext, want)
				}
			}
		}
		b, _ := os.ReadFile(filepath.Join(dir, "report.json"))
		var r struct {
			Services      []string
			BusinessHours string `json:"business_hours"`
			HashNote      string `json:"hash_note"`
			Incidents     []struct {
				DurationMinutes float64 `json:"duration_minutes"`
				BusinessMinutes float64 `json:"business_hours_minutes"`
				Updates         []struct{ Text, SHA256 string }
			}
		}
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		in := r.Incidents[0]
		if !slices.Equal(r.Services, []string{"stripe"}) || r.BusinessHours == "" || len(in.Updates) != 3 || in.Updates[1].Text != incText2 || !strings.Contains(r.HashNote, "sha256sum") {
			t.Errorf("report: services %q, business hours %q, updates %+v", r.Services, r.BusinessHours, in.Updates)
		}
		// The incident ran 10:02–10:13; business hours end at 10:05.
		if in.DurationMinutes < 10 || in.DurationMinutes > 12 || in.BusinessMinutes < 2.9 || in.BusinessMinutes > 3.1 {
			t.Errorf("duration %.1f, in business hours %.1f minutes; want about 11 and 3", in.DurationMinutes, in.BusinessMinutes)
		}
		// PayPal had no incident.
		out, _, code := run(t, "report", "--from", today, "--to", today, "--service", "paypal", "--out", filepath.Join(dir, "p.json"))
		if code != 0 || !strings.Contains(out, "no incidents or maintenance") {
			t.Errorf("paypal's report: exit %d, %q", code, out)
		}
	})
}

// TestHistoryCommandsWithoutHistory: before Paywatch has run, each command says so, exits 0 and
// creates nothing.
func TestHistoryCommandsWithoutHistory(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	for _, args := range [][]string{{"history"}, {"history", "--clear"}, {"uptime"}, {"report", "--from", "2026-03-01", "--to", "2026-03-31", "--out", filepath.Join(t.TempDir(), "r.html")}} {
		out, errOut, code := run(t, args...)
		if code != 0 || errOut != "" || !strings.HasPrefix(out, "No history yet: Paywatch records it at "+filepath.Join(state, "paywatch", "history.db")) {
			t.Errorf("paywatch %q: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	if entries, _ := os.ReadDir(state); len(entries) != 0 {
		t.Errorf("the commands created %v", entries)
	}
}

// TestHistoryBadCommandLines: a mistake gets one line naming it and exit 64, as for the other
// commands; nothing is opened or written.
func TestHistoryBadCommandLines(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	out := filepath.Join(t.TempDir(), "r.html")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"history", "--since", "a week"}, `paywatch history: --since: "a week" is not a length of time`},
		{[]string{"history", "--since", "7d", "--from", "2026-03-01"}, "paywatch history: give --since or --from and --to, not both"},
		{[]string{"history", "--to", "2026-03-01"}, "paywatch history: --to needs --from"},
		{[]string{"history", "--from", "03/01/2026"}, `paywatch history: --from: "03/01/2026" is not a date (write it like 2026-03-10 or 2026-03-10T14:00:00+01:00)`},
		{[]string{"history", "--from", "2026-03-10", "--to", "2026-03-01"}, "paywatch history: --to (2026-03-01) must come after --from (2026-03-10)"},
		{[]string{"history", "--json", "--csv"}, "paywatch history: give --json or --csv, not both"},
		{[]string{"history", "stripe", "--clear"}, "paywatch history: --clear deletes the whole history; it takes no services, dates or formats"},
		{[]string{"uptime", "--days", "0"}, "paywatch uptime: --days must be more than 0"},
		{[]string{"uptime", "--days", "99999"}, "paywatch uptime: --days 99999 is more than ten years"},
		{[]string{"uptime", "stripe"}, `paywatch uptime: unexpected "stripe"`},
		{[]string{"report", "--from", "2026-03-01", "--out", out}, "paywatch report: give the period with --from and --to"},
		{[]string{"report", "--from", "2026-03-01", "--to", "2026-03-31"}, "paywatch report: give the file to write with --out"},
		{[]string{"report", "--from", "2026-03-01", "--to", "2026-03-31", "--out", "r.pdf"}, `paywatch report: --out "r.pdf" must end in .html, .csv or .json`},
		{[]string{"report", "--from", "2026-03-01", "--to", "March", "--out", out}, `paywatch report: --to: "March" is not a date`},
	} {
		stdout, stderr, code := run(t, tt.args...)
		msg := strings.TrimSpace(stderr)
		if code != 64 || !strings.HasPrefix(msg, tt.want) || strings.Contains(msg, "\n") || stdout != "" {
			t.Errorf("paywatch %q: exit %d, stdout %q, stderr %q; want 64 and the one line %q…", tt.args, code, stdout, msg, tt.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a report was written")
	}
}

func TestParseDate(t *testing.T) {
	day, err := parseDate("--from", "2026-03-10", false)
	if err != nil || !day.Equal(time.Date(2026, 3, 10, 0, 0, 0, 0, time.Local)) {
		t.Errorf("start of 2026-03-10: %v, %v", day, err)
	}
	end, err := parseDate("--to", "2026-03-10", true)
	if err != nil || !end.Equal(time.Date(2026, 3, 11, 0, 0, 0, 0, time.Local)) {
		t.Errorf("end of 2026-03-10: %v, %v (want the day included)", end, err)
	}
	exact, err := parseDate("--to", "2026-03-10T14:00:00+01:00", true)
	if err != nil || !exact.Equal(time.Date(2026, 3, 10, 13, 0, 0, 0, time.UTC)) {
		t.Errorf("RFC 3339: %v, %v", exact, err)
	}
}
