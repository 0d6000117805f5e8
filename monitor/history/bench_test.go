package history

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// The benchmarks fill the history through Record, as the watcher would, with a busy year:
// every service has an incident every day (four texts: investigating, identified, monitoring,
// resolved), the state changes that go with it, a failing probe for every fifth service, a
// notification and a channel delivery at the start and the end, and an offline spell a week.

type action struct {
	at   time.Time
	do   func(w *world)
	note *monitor.Notification
}

var textBits = []string{
	"We are investigating reports of elevated error rates affecting card payments in some regions. ",
	"Some API requests may fail or time out; retries are likely to succeed. ",
	"We have identified the cause, a configuration change to our payment routing, and are rolling it back. ",
	"A fix has been applied and we are monitoring the results. Error rates are returning to normal. ",
	"This incident has been resolved. We will publish a post-incident review within five business days.",
}

func longText(i, d, k int) string {
	var b strings.Builder
	for j := range 3 {
		b.WriteString(textBits[(k+j)%len(textBits)])
	}
	b.WriteString("Reference " + strconv.Itoa(d) + "-" + strconv.Itoa(i) + "-" + strconv.Itoa(k) + ".")
	return b.String()
}

// dayActions are one day's events for n services, in time order.
func dayActions(n, d int, start time.Time) []action {
	var acts []action
	day := start.Add(time.Duration(d) * 24 * time.Hour)
	for i := range n {
		id := "svc" + strconv.Itoa(i)
		begin := day.Add(time.Hour + time.Duration((i*37+d*101)%(20*60))*time.Minute)
		length := time.Duration(30+(i*13+d*7)%150) * time.Minute
		impact := []monitor.State{monitor.StateDegraded, monitor.StatePartialOutage, monitor.StateMajorOutage}[(i+d)%3]
		in := monitor.Incident{ID: "inc-" + strconv.Itoa(d) + "-" + strconv.Itoa(i), Title: "Elevated errors for " + id, Impact: impact,
			URL: "https://status.example.com/incidents/" + strconv.Itoa(d*1000+i), CreatedAt: begin.Add(-2 * time.Minute), Components: []string{"api"}}
		statuses := []string{"investigating", "identified", "monitoring"}
		for k, st := range statuses {
			t := begin.Add(time.Duration(k) * length / 3)
			in := in
			in.Status, in.UpdatedAt, in.LatestUpdate = st, t, longText(i, d, k)
			first := k == 0
			acts = append(acts, action{at: t, do: func(w *world) {
				sv := w.svc(id)
				sv.Incidents = []monitor.Incident{in}
				if first {
					w.set(id, impact, in.Title)
				}
			}})
			if first {
				acts[len(acts)-1].note = &monitor.Notification{ServiceID: id, Title: id + ": " + impact.Label(), Body: in.LatestUpdate, State: impact, Severity: impact}
			}
		}
		if i%5 == 0 {
			acts = append(acts, action{at: begin.Add(-5 * time.Minute), do: func(w *world) { w.setProbe(id, monitor.StateMajorOutage, "failing") }},
				action{at: begin.Add(length / 2), do: func(w *world) { w.setProbe(id, monitor.StateOperational, "reachable") }})
		}
		end := begin.Add(length)
		res := in
		res.Status, res.UpdatedAt, res.ResolvedAt, res.LatestUpdate = "resolved", end, end, longText(i, d, 4)
		acts = append(acts, action{at: end, do: func(w *world) {
			sv := w.svc(id)
			sv.Incidents, sv.Resolved = nil, []monitor.Incident{res}
			w.set(id, monitor.StateOperational, "all systems operational")
		}, note: &monitor.Notification{ServiceID: id, Title: id + ": working normally again", Body: "The problem lasted " + monitor.HumanDuration(length) + ".",
			State: monitor.StateOperational, Severity: impact}})
	}
	if d%7 == 3 {
		off := day.Add(13 * time.Hour)
		acts = append(acts, action{at: off, do: func(w *world) { w.offline = "no internet connection" }},
			action{at: off.Add(25 * time.Minute), do: func(w *world) { w.offline = "" }})
	}
	slices.SortStableFunc(acts, func(a, b action) int { return a.at.Compare(b.at) })
	return acts
}

func newWorld(clk *clock, n int) *world {
	w := &world{clock: clk}
	for i := range n {
		id := "svc" + strconv.Itoa(i)
		sv := monitor.ServiceStatus{ID: id, Name: "Service " + strconv.Itoa(i), URL: "https://status.example.com/" + id,
			Sources: []monitor.SourceStatus{page(monitor.StateOperational, "")}}
		if i%5 == 0 {
			sv.Sources = append(sv.Sources, probe(id+".example.com", monitor.StateOperational, "reachable"))
		}
		w.services = append(w.services, sv)
		w.set(id, monitor.StateOperational, "all systems operational")
	}
	return w
}

// fill records days of n services from start through Record, and returns the number of
// rounds recorded.
func fill(tb testing.TB, s *Store, clk *clock, n, days int, start time.Time) int {
	tb.Helper()
	clk.set(start)
	w := newWorld(clk, n)
	s.Record(w.update())
	rounds := 1
	for d := range days {
		acts := dayActions(n, d, start)
		for i := 0; i < len(acts); {
			t := acts[i].at
			var notes []monitor.Notification
			for ; i < len(acts) && acts[i].at.Equal(t); i++ {
				clk.set(t)
				acts[i].do(w)
				if acts[i].note != nil {
					notes = append(notes, *acts[i].note)
				}
			}
			s.Record(w.update(notes...))
			for _, nt := range notes {
				s.RecordDelivery(Delivery{At: t.Add(3 * time.Second), Channel: "Slack #payments", ServiceID: nt.ServiceID, Title: nt.Title,
					Severity: nt.Severity, Outcome: OutcomeDelivered, Attempts: 1})
			}
			rounds++
			if rounds%50 == 0 {
				if err := s.Flush(context.Background()); err != nil {
					tb.Fatal(err)
				}
			}
		}
	}
	clk.set(start.Add(time.Duration(days) * 24 * time.Hour))
	s.Record(w.update())
	if err := s.Flush(context.Background()); err != nil {
		tb.Fatal(err)
	}
	if st := s.Status(); st.Dropped != 0 || st.Err != nil {
		tb.Fatalf("fill: %+v", st)
	}
	return rounds
}

func benchStore(tb testing.TB, clk *clock) *Store {
	tb.Helper()
	s, _, err := Open(filepath.Join(tb.TempDir(), "history.db"), clk.opts(Options{Heartbeat: 1000 * time.Hour}))
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = s.Run(ctx); close(done) }()
	tb.Cleanup(func() { cancel(); <-done; s.Close() })
	return s
}

var year = at("2025-01-01T00:00:00Z")

// BenchmarkYearOf20Services: a year of 20 services, one incident each a day; "MB" is the
// database file's size once checkpointed.
func BenchmarkYearOf20Services(b *testing.B) {
	for b.Loop() {
		clk := newClock(year)
		s := benchStore(b, clk)
		rounds := fill(b, s, clk, 20, 365, year)
		if _, err := s.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			b.Fatal(err)
		}
		fi, err := os.Stat(s.Path())
		if err != nil {
			b.Fatal(err)
		}
		var incidents, updates int
		must(s.w.QueryRow("SELECT (SELECT count(*) FROM incidents), (SELECT count(*) FROM incident_updates)").Scan(&incidents, &updates))
		// Opening it again (the integrity check and migrations a `paywatch uptime` pays).
		opened := time.Now()
		s2, _, err := Open(s.Path(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		openTime := time.Since(opened)
		s2.Close()
		b.ReportMetric(float64(openTime.Milliseconds()), "ms-open")
		b.ReportMetric(float64(fi.Size())/1e6, "MB")
		b.ReportMetric(float64(rounds), "rounds")
		b.ReportMetric(float64(incidents), "incidents")
		b.ReportMetric(float64(updates), "texts")
	}
}

// BenchmarkUptime90Days50Services: `paywatch uptime --days 90` over a year of 50 services.
func BenchmarkUptime90Days50Services(b *testing.B) {
	clk := newClock(year)
	s := benchStore(b, clk)
	fill(b, s, clk, 50, 365, year)
	now := clk.now()
	ctx := context.Background()
	for b.Loop() {
		up, err := s.Uptime(ctx, 90, now, time.UTC)
		if err != nil || len(up) != 50 || len(up[0].Days) != 90 {
			b.Fatalf("uptime: %d services, %v", len(up), err)
		}
	}
}

// BenchmarkReportMonth: the HTML evidence report for a month of 20 services (600 incidents).
func BenchmarkReportMonth(b *testing.B) {
	clk := newClock(year)
	s := benchStore(b, clk)
	fill(b, s, clk, 20, 31, year)
	now := clk.now()
	ctx := context.Background()
	for b.Loop() {
		r, err := s.Report(ctx, ReportQuery{From: year, To: year.Add(30 * 24 * time.Hour), Location: time.UTC, Now: now,
			BusinessHours: &monitor.TimeWindow{Days: []string{"mon", "tue", "wed", "thu", "fri"}, From: "09:00", To: "17:00"}})
		if err != nil || len(r.Incidents) < 600 {
			b.Fatalf("report: %d incidents, %v", len(r.Incidents), err)
		}
		if err := WriteHTML(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecordRound500: the writer's cost of one round of 500 services in which nothing
// changed, and in which five services changed.
func BenchmarkRecordRound500(b *testing.B) {
	for _, changed := range []int{0, 5} {
		b.Run("changed="+strconv.Itoa(changed), func(b *testing.B) {
			clk := newClock(year)
			s := benchStore(b, clk)
			w := newWorld(clk, 500)
			u := w.update()
			s.Record(u)
			flush(b, s)
			i := 0
			for b.Loop() {
				clk.add(time.Second)
				u.Snapshot.At = clk.now()
				if changed > 0 {
					// A new snapshot shares the unchanged services, as the tracker's does not
					// (it builds each one afresh), which only makes this cheaper to set up.
					u.Snapshot.Services = slices.Clone(u.Snapshot.Services)
					for k := range changed {
						sv := &u.Snapshot.Services[(i*changed+k)%500]
						next := monitor.StateDegraded
						if sv.State == next {
							next = monitor.StateOperational
						}
						sv.State, sv.Since = next, clk.now()
						sv.Sources = slices.Clone(sv.Sources)
						sv.Sources[0].State, sv.Sources[0].CheckedAt = next, clk.now()
					}
				}
				s.Record(u)
				i++
				if i%100 == 0 {
					flush(b, s)
				}
			}
			flush(b, s)
		})
	}
}
