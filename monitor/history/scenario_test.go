package history

import (
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// The scripted incident, Tuesday 10 March 2026 (UTC; Berlin is an hour ahead):
//
//	07:00  Stripe and PayPal operational; Stripe's website reachable from here
//	09:50  the website fails from here: Stripe major outage; a notification, Slack delivers it
//	10:00  Stripe's page posts an incident (created 09:58), "investigating"
//	10:30  "identified", new text
//	10:45  offline until 10:55
//	11:00  the website answers again
//	11:30  the incident is resolved (11:28) and gone from the open list; recovery notification,
//	       which Slack never gets (expired)
const (
	text1 = "We are investigating elevated error rates for card payments in the EU.\n\nSome requests may fail."
	text2 = "We have identified the cause & are applying a fix. <b>Not</b> markup: 5 < 6."
	text3 = "This incident has been resolved."
)

var (
	day      = at("2026-03-10T00:00:00Z")
	berlin   = mustLoc("Europe/Berlin")
	business = &monitor.TimeWindow{Days: []string{"mon", "tue", "wed", "thu", "fri"}, From: "09:00", To: "12:00"}
)

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	must(err)
	return l
}

func hm(h, m int) time.Time {
	return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

func scripted(t *testing.T, s *Store, clk *clock) {
	t.Helper()
	clk.set(hm(7, 0))
	w := &world{clock: clk, services: []monitor.ServiceStatus{
		{ID: "stripe", Name: "Stripe", URL: "https://status.stripe.com", Sources: []monitor.SourceStatus{page(monitor.StateOperational, ""), probe("stripe.com", monitor.StateOperational, "reachable")}},
		{ID: "paypal", Name: "PayPal", URL: "https://www.paypal-status.com", Sources: []monitor.SourceStatus{page(monitor.StateOperational, "")}},
	}}
	w.set("stripe", monitor.StateOperational, "all systems operational")
	w.set("paypal", monitor.StateOperational, "all systems operational")
	w.setProbe("stripe", monitor.StateOperational, "reachable")
	s.Record(w.update())

	clk.set(hm(9, 50))
	w.setProbe("stripe", monitor.StateMajorOutage, "failing")
	sv := w.svc("stripe")
	sv.State, sv.Since, sv.Reason = monitor.StateMajorOutage, clk.now(), "failing"
	s.Record(w.update(monitor.Notification{ServiceID: "stripe", Title: "Stripe: major outage", Body: "From your network: failing", State: monitor.StateMajorOutage, Severity: monitor.StateMajorOutage}))
	clk.add(5 * time.Second)
	s.RecordDelivery(Delivery{At: clk.now(), Channel: "Slack #payments", ServiceID: "stripe", Title: "Stripe: major outage", Severity: monitor.StateMajorOutage, Outcome: OutcomeDelivered, Attempts: 1})

	clk.set(hm(10, 0))
	in := monitor.Incident{ID: "inc-1", Title: "Elevated errors on card payments", Impact: monitor.StateMajorOutage, Status: "investigating",
		URL: "https://status.stripe.com/incidents/inc-1", CreatedAt: hm(9, 58), UpdatedAt: hm(9, 58), LatestUpdate: text1, Components: []string{"card-payments"}}
	sv = w.svc("stripe")
	sv.Incidents = []monitor.Incident{in}
	w.set("stripe", monitor.StateMajorOutage, in.Title)
	s.Record(w.update())

	clk.set(hm(10, 30))
	in.Status, in.UpdatedAt, in.LatestUpdate = "identified", hm(10, 29), text2
	w.svc("stripe").Incidents = []monitor.Incident{in}
	s.Record(w.update())

	clk.set(hm(10, 45))
	w.offline = "no internet connection"
	s.Record(w.update())
	clk.set(hm(10, 55))
	w.offline = ""
	s.Record(w.update())

	clk.set(hm(11, 0))
	w.setProbe("stripe", monitor.StateOperational, "reachable")
	s.Record(w.update())

	clk.set(hm(11, 30))
	in.Status, in.ResolvedAt, in.UpdatedAt, in.LatestUpdate = "resolved", hm(11, 28), hm(11, 28), text3
	sv = w.svc("stripe")
	sv.Incidents, sv.Resolved = nil, []monitor.Incident{in}
	w.set("stripe", monitor.StateOperational, "all systems operational")
	s.Record(w.update(monitor.Notification{ServiceID: "stripe", Title: "Stripe: working normally again", Body: "The problem lasted 1 hour 40 minutes.", State: monitor.StateOperational, Severity: monitor.StateMajorOutage}))
	clk.add(10 * time.Second)
	s.RecordDelivery(Delivery{At: clk.now(), Channel: "Slack #payments", ServiceID: "stripe", Title: "Stripe: working normally again", Severity: monitor.StateMajorOutage, Outcome: OutcomeExpired, Error: "shut down before it could be sent"})

	// The resolved incident is listed again on the next polls: nothing new.
	clk.set(hm(11, 31))
	s.Record(w.update())
	clk.set(hm(12, 0))
	s.Record(w.update())
	flush(t, s)
}
