package history

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

func scriptedStore(t *testing.T) (*Store, *clock) {
	t.Helper()
	clk := newClock(hm(7, 0))
	s := testStore(t, clk.opts(Options{}))
	running(t, s)
	scripted(t, s, clk)
	return s, clk
}

func TestScriptedIncidentIncidents(t *testing.T) {
	s, _ := scriptedStore(t)
	got, err := s.Incidents(context.Background(), IncidentQuery{From: day, To: day.Add(24 * time.Hour), Now: hm(12, 0),
		InBusinessHours: BusinessHours(business, berlin)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d incidents, want 1: %+v", len(got), got)
	}
	in := got[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"service", in.Service, "Stripe"},
		{"kind", in.Kind, KindIncident},
		{"title", in.Title, "Elevated errors on card payments"},
		{"status", in.Status, "resolved"},
		{"impact", in.Impact, monitor.StateMajorOutage},
		{"url", in.URL, "https://status.stripe.com/incidents/inc-1"},
		{"page url", in.PageURL, "https://status.stripe.com"},
		{"components", strings.Join(in.Components, ","), "card-payments"},
		{"created", in.CreatedAt, hm(9, 58)},
		{"resolved", in.ResolvedAt, hm(11, 28)},
		{"first seen", in.FirstSeen, hm(10, 0)},
		{"last seen", in.LastSeen, hm(11, 0)},
		{"ended", in.EndedAt, hm(11, 30)},
		{"start", in.Start, hm(9, 58)},
		{"end", in.End, hm(11, 28)},
		{"ongoing", in.Ongoing, false},
		{"duration", in.Duration, 90 * time.Minute},
		// Business hours end at 12:00 Berlin, 11:00 UTC.
		{"business", in.BusinessDuration, 62 * time.Minute},
		{"updates", len(in.Updates), 3},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	wantUpd := []Update{
		{SeenAt: hm(10, 0), PublishedAt: hm(9, 58), Status: "investigating", Impact: monitor.StateMajorOutage, Title: in.Title, Text: text1, SHA256: Hash(text1)},
		{SeenAt: hm(10, 30), PublishedAt: hm(10, 29), Status: "identified", Impact: monitor.StateMajorOutage, Title: in.Title, Text: text2, SHA256: Hash(text2)},
		{SeenAt: hm(11, 30), PublishedAt: hm(11, 28), Status: "resolved", Impact: monitor.StateMajorOutage, Title: in.Title, Text: text3, SHA256: Hash(text3)},
	}
	for i := range min(len(in.Updates), len(wantUpd)) {
		if in.Updates[i] != wantUpd[i] {
			t.Errorf("update %d = %+v, want %+v", i, in.Updates[i], wantUpd[i])
		}
	}
	// The sources: each one's state before the window, then its changes.
	var src []string
	for _, e := range in.Sources {
		src = append(src, e.At.Format("15:04")+" "+e.Source+" "+StateName(e.From)+">"+StateName(e.To))
	}
	wantSrc := []string{"07:00 page not_watched>operational", "07:00 probe:stripe.com not_watched>operational",
		"09:50 probe:stripe.com operational>major_outage", "10:00 page operational>major_outage",
		"11:00 probe:stripe.com major_outage>operational", "11:30 page major_outage>operational"}
	if !slices.Equal(src, wantSrc) {
		t.Errorf("sources =\n%s\nwant\n%s", strings.Join(src, "\n"), strings.Join(wantSrc, "\n"))
	}
	if len(in.NotWatched) != 1 || in.NotWatched[0].Kind != GapOffline || !in.NotWatched[0].From.Equal(hm(10, 45)) || !in.NotWatched[0].To.Equal(hm(10, 55)) ||
		in.NotWatched[0].Reason != "no internet connection" {
		t.Errorf("not watched = %+v, want the offline spell 10:45–10:55", in.NotWatched)
	}
	var msgs []string
	for _, m := range in.Messages {
		msgs = append(msgs, m.At.Format("15:04:05")+" "+m.Channel+" "+string(m.Outcome)+" "+m.Title)
	}
	wantMsgs := []string{"09:50:00  notified Stripe: major outage", "09:50:05 Slack #payments delivered Stripe: major outage",
		"11:30:00  notified Stripe: working normally again", "11:30:10 Slack #payments expired Stripe: working normally again"}
	if !slices.Equal(msgs, wantMsgs) {
		t.Errorf("messages =\n%s\nwant\n%s", strings.Join(msgs, "\n"), strings.Join(wantMsgs, "\n"))
	}

	// Filters.
	for _, tc := range []struct {
		name string
		q    IncidentQuery
		want int
	}{
		{"other service", IncidentQuery{Services: []string{"paypal"}}, 0},
		{"this service", IncidentQuery{Services: []string{"paypal", "stripe"}}, 1},
		{"before", IncidentQuery{From: day, To: hm(9, 0)}, 0},
		{"after", IncidentQuery{From: hm(11, 29)}, 0},
		{"overlapping the end", IncidentQuery{From: hm(11, 0), To: hm(13, 0)}, 1},
	} {
		tc.q.Now = hm(12, 0)
		got, err := s.Incidents(context.Background(), tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.want {
			t.Errorf("%s: %d incidents, want %d", tc.name, len(got), tc.want)
		}
	}
}

func TestScriptedIncidentTimeline(t *testing.T) {
	s, _ := scriptedStore(t)
	evs, err := s.Timeline(context.Background(), Filter{Services: []string{"stripe"}, From: day, To: day.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		line := e.At.Format("15:04:05") + " " + string(e.Kind)
		switch e.Kind {
		case EventChange:
			src := e.Source
			if src == "" {
				src = "service"
			}
			line += " " + src + " " + StateName(e.From) + ">" + StateName(e.To)
		case EventIncident, EventIncidentUpdate, EventIncidentEnd:
			line += " " + e.Status
		case EventMessage:
			line += " " + string(e.Outcome)
		case EventNotWatched:
			line += " " + string(e.Gap) + " until " + e.Until.Format("15:04")
		}
		got = append(got, line)
	}
	want := []string{
		"07:00:00 change service not_watched>operational",
		"07:00:00 change page not_watched>operational",
		"07:00:00 change probe:stripe.com not_watched>operational",
		"09:50:00 change service operational>major_outage",
		"09:50:00 change probe:stripe.com operational>major_outage",
		"09:50:00 message notified",
		"09:50:05 message delivered",
		"10:00:00 change page operational>major_outage",
		"10:00:00 incident investigating",
		"10:30:00 incident_update identified",
		"10:45:00 not_watched offline until 10:55",
		"11:00:00 change probe:stripe.com major_outage>operational",
		"11:30:00 change service major_outage>operational",
		"11:30:00 change page major_outage>operational",
		"11:30:00 incident_update resolved",
		"11:30:00 incident_end resolved",
		"11:30:00 message notified",
		"11:30:10 message expired",
	}
	if !slices.Equal(got, want) {
		t.Errorf("timeline =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, e := range evs {
		if e.Kind == EventIncidentUpdate && e.Status == "identified" && (e.Text != text2 || e.SHA256 != Hash(text2)) {
			t.Errorf("update text %q hash %s, want it verbatim with its hash", e.Text, e.SHA256)
		}
	}
	// A range in the middle, and every service.
	evs, err = s.Timeline(context.Background(), Filter{From: hm(10, 0), To: hm(10, 31)})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 || evs[0].Kind != EventChange || evs[1].Kind != EventIncident || evs[2].Kind != EventIncidentUpdate {
		t.Errorf("10:00–10:31: %+v, want the page's change, the incident and its update", evs)
	}
}

func TestScriptedIncidentUptime(t *testing.T) {
	s, _ := scriptedStore(t)
	now := hm(12, 0)
	up, err := s.Uptime(context.Background(), 2, now, berlin)
	if err != nil {
		t.Fatal(err)
	}
	if len(up) != 2 || up[0].ServiceID != "paypal" || up[1].ServiceID != "stripe" {
		t.Fatalf("uptime services = %+v, want PayPal then Stripe", up)
	}
	stripe := up[1]
	if len(stripe.Days) != 2 {
		t.Fatalf("%d days, want 2", len(stripe.Days))
	}
	yesterday, today := stripe.Days[0], stripe.Days[1]
	if yesterday.Date != "2026-03-09" || today.Date != "2026-03-10" {
		t.Errorf("dates %s, %s; want 2026-03-09, 2026-03-10", yesterday.Date, today.Date)
	}
	// Monday in Berlin: not watched at all (24 h).
	if yesterday.Minutes.Total() != 0 || !near(yesterday.NotWatched, 24*60) {
		t.Errorf("Monday: %+v, want 1440 minutes not watched", yesterday)
	}
	// Tuesday from Berlin midnight (23:00 UTC) to 12:00 UTC: not watched until 07:00 and
	// while offline; operational 07:00–09:50 and 11:30–12:00; major 09:50–11:30 less 10 min.
	wantMin := Minutes{Operational: 170 + 30, MajorOutage: 90}
	if today.Minutes != wantMin || !near(today.NotWatched, 480+10) {
		t.Errorf("Tuesday: minutes %+v not watched %.1f, want %+v and 490", today.Minutes, today.NotWatched, wantMin)
	}
	if got := today.Minutes.Total() + today.NotWatched; !near(got, 13*60) {
		t.Errorf("Tuesday adds up to %.1f minutes, want 780 (midnight to now)", got)
	}
	paypal := up[0].Days[1]
	if !near(paypal.Minutes.Operational, 290) || !near(paypal.NotWatched, 490) {
		t.Errorf("PayPal Tuesday: %+v, want 290 operational, 490 not watched", paypal)
	}

	bars, err := s.DailyWorst(context.Background(), 3, now, berlin)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range bars {
		for _, d := range b.Days {
			got = append(got, b.ServiceID+" "+d.Date+" "+StateName(d.State))
		}
	}
	want := []string{"paypal 2026-03-08 not_watched", "paypal 2026-03-09 not_watched", "paypal 2026-03-10 operational",
		"stripe 2026-03-08 not_watched", "stripe 2026-03-09 not_watched", "stripe 2026-03-10 major_outage"}
	if !slices.Equal(got, want) {
		t.Errorf("bars =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDayWorst(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    Minutes
		want monitor.State
	}{
		{"nothing watched", Minutes{}, NotWatched},
		{"only unknown", Minutes{Unknown: 5}, monitor.StateUnknown},
		{"a restart's unknown minute does not grey a good day", Minutes{Operational: 100, Unknown: 1}, monitor.StateOperational},
		{"maintenance", Minutes{Operational: 100, Maintenance: 30}, monitor.StateMaintenance},
		{"the worst wins", Minutes{Degraded: 1, PartialOutage: 0.5, Maintenance: 60}, monitor.StatePartialOutage},
	} {
		if got := (Day{Minutes: tc.m}).Worst(); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, StateName(got), StateName(tc.want))
		}
	}
}

// Days follow the user's clock: a day with a daylight-saving change is 23 or 25 hours long.
func TestUptimeAcrossDaylightSaving(t *testing.T) {
	clk := newClock(at("2026-03-27T12:00:00Z"))
	s := testStore(t, clk.opts(Options{}))
	running(t, s)
	w := &world{clock: clk, services: []monitor.ServiceStatus{{ID: "adyen", Name: "Adyen", Sources: []monitor.SourceStatus{page(monitor.StateOperational, "")}}}}
	w.set("adyen", monitor.StateOperational, "")
	s.Record(w.update())
	flush(t, s)
	// Berlin moves to summer time on Sunday 29 March 2026 at 02:00.
	now := at("2026-03-30T10:00:00Z")
	up, err := s.Uptime(context.Background(), 3, now, berlin)
	if err != nil {
		t.Fatal(err)
	}
	days := up[0].Days
	lengths := []float64{24 * 60, 23 * 60, 12 * 60} // Sat, Sun, Mon to 12:00 CEST
	for i, d := range days {
		if got := d.Minutes.Total() + d.NotWatched; !near(got, lengths[i]) {
			t.Errorf("%s lasts %.1f minutes, want %.1f", d.Date, got, lengths[i])
		}
		if d.NotWatched != 0 {
			t.Errorf("%s: %.1f minutes not watched, want none", d.Date, d.NotWatched)
		}
	}
}

func TestBusinessPart(t *testing.T) {
	utc := func(s string) time.Time { return at(s) }
	weekdays := BusinessHours(&monitor.TimeWindow{Days: []string{"mon", "tue", "wed", "thu", "fri"}, From: "09:00", To: "17:00"}, berlin)
	nights := BusinessHours(&monitor.TimeWindow{From: "22:00", To: "06:00"}, time.UTC)
	for _, tc := range []struct {
		name     string
		from, to time.Time
		in       func(time.Time) bool
		want     time.Duration
	}{
		{"no business hours", utc("2026-03-10T08:00:00Z"), utc("2026-03-10T12:00:00Z"), nil, 0},
		// 08:00–12:00 UTC is 09:00–13:00 in Berlin: all inside.
		{"inside", utc("2026-03-10T08:00:00Z"), utc("2026-03-10T12:00:00Z"), weekdays, 4 * time.Hour},
		{"seconds at both ends", utc("2026-03-10T07:59:30Z"), utc("2026-03-10T08:01:15Z"), weekdays, 75 * time.Second},
		{"across the evening", utc("2026-03-10T15:00:00Z"), utc("2026-03-10T18:00:00Z"), weekdays, time.Hour},
		{"over a weekend", utc("2026-03-13T15:30:00Z"), utc("2026-03-16T08:30:00Z"), weekdays, 30*time.Minute + 30*time.Minute},
		{"a night window across midnight", utc("2026-03-10T21:00:00Z"), utc("2026-03-11T07:00:00Z"), nights, 8 * time.Hour},
		{"empty", utc("2026-03-10T10:00:00Z"), utc("2026-03-10T10:00:00Z"), weekdays, 0},
	} {
		if got := businessPart(tc.from, tc.to, tc.in); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestEventJSON(t *testing.T) {
	for _, tc := range []struct {
		e    Event
		want string
	}{
		{Event{At: hm(9, 50), Kind: EventChange, ServiceID: "stripe", Service: "Stripe", Source: "probe:stripe.com", SourceKind: "probe", From: NotWatched, To: monitor.StateMajorOutage, Reason: "failing"},
			`{"at":"2026-03-10T09:50:00Z","kind":"change","service_id":"stripe","service":"Stripe","source":"probe:stripe.com","source_kind":"probe","from":"not_watched","to":"major_outage","reason":"failing"}`},
		{Event{At: hm(10, 45), Kind: EventNotWatched, Gap: GapOffline, Until: hm(10, 55), Reason: "no network"},
			`{"at":"2026-03-10T10:45:00Z","kind":"not_watched","reason":"no network","gap":"offline","until":"2026-03-10T10:55:00Z"}`},
		{Event{At: hm(10, 0), Kind: EventIncident, ServiceID: "stripe", IncidentKind: KindIncident, Title: "T", Status: "investigating", Impact: monitor.StateDegraded, Text: "x", SHA256: Hash("x")},
			`{"at":"2026-03-10T10:00:00Z","kind":"incident","service_id":"stripe","incident_kind":"incident","title":"T","status":"investigating","impact":"degraded","text":"x","sha256":"` + Hash("x") + `"}`},
	} {
		b, err := json.Marshal(tc.e)
		if err != nil || string(b) != tc.want {
			t.Errorf("json %s, %v\nwant %s", b, err, tc.want)
		}
	}
}
