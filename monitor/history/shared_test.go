package history

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// TestSharedSnapshot: the watcher sends the very same services again while only check times
// move. Those updates still count: their notifications are recorded, an open incident was seen
// at each (its last sighting is the last of them), and going offline and back is recorded.
func TestSharedSnapshot(t *testing.T) {
	clk := newClock(at("2026-03-10T10:00:00Z"))
	s := testStore(t, clk.opts(Options{}))
	running(t, s)
	in := monitor.Incident{ID: "inc-1", Title: "Elevated errors", Impact: monitor.StateMajorOutage, Status: "investigating",
		URL: "https://status.stripe.com/incidents/inc-1", CreatedAt: at("2026-03-10T09:58:00Z"), LatestUpdate: "We are looking into it."}
	w := &world{clock: clk, services: []monitor.ServiceStatus{
		{ID: "stripe", Name: "Stripe", URL: "https://status.stripe.com", Sources: []monitor.SourceStatus{page(monitor.StateOperational, "")}},
	}}
	w.svc("stripe").Incidents = []monitor.Incident{in}
	w.set("stripe", monitor.StateMajorOutage, in.Title)
	first := w.update()
	s.Record(first)
	shared := func(offline string, notes ...monitor.Notification) {
		clk.add(10 * time.Second)
		s.Record(monitor.Update{Snapshot: monitor.Snapshot{At: clk.now(), Offline: offline != "", OfflineReason: offline,
			Services: first.Snapshot.Services}, Notifications: notes})
	}
	shared("")                       // 10:00:10
	shared("no internet connection") // 10:00:20
	shared("")                       // 10:00:30
	shared("", monitor.Notification{ServiceID: "stripe", Title: "Stripe: major outage", State: monitor.StateMajorOutage,
		Severity: monitor.StateMajorOutage}) // 10:00:40
	clk.set(at("2026-03-10T10:05:00Z"))
	w.svc("stripe").Incidents = nil
	w.set("stripe", monitor.StateOperational, "all systems operational")
	s.Record(w.update())
	flush(t, s)

	evs, err := s.Timeline(context.Background(), Filter{From: at("2026-03-10T09:00:00Z"), To: at("2026-03-10T11:00:00Z")})
	must(err)
	var got []string
	for _, e := range evs {
		switch e.Kind {
		case EventMessage:
			got = append(got, e.At.Format("15:04:05")+" message "+e.Title)
		case EventNotWatched:
			got = append(got, e.At.Format("15:04:05")+" not watched until "+e.Until.Format("15:04:05")+" "+e.Reason)
		}
	}
	want := []string{"10:00:20 not watched until 10:00:30 no internet connection", "10:00:40 message Stripe: major outage"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("timeline =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	incs, err := s.Incidents(context.Background(), IncidentQuery{From: at("2026-03-10T09:00:00Z"), To: at("2026-03-10T11:00:00Z"), Now: clk.now()})
	must(err)
	if len(incs) != 1 {
		t.Fatalf("incidents %+v, want one", incs)
	}
	if got, want := incs[0].LastSeen, at("2026-03-10T10:00:40Z"); !got.Equal(want) {
		t.Errorf("last seen %s, want %s (the last update that listed it)", got, want)
	}
	if got, want := incs[0].EndedAt, at("2026-03-10T10:05:00Z"); !got.Equal(want) {
		t.Errorf("ended %s, want %s", got, want)
	}
}
