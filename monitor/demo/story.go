package demo

import (
	"context"
	"time"
)

// Step is one moment of the scripted story.
type Step struct {
	At   time.Duration
	Say  string
	Do   func(now time.Time)
	done bool
}

// Story is the demo: four simulated services and the script that changes them.
type Story struct {
	Pages []*Page
	Steps []Step
}

// NewStory builds the demo script: all operational → Acme Pay degraded → Northwind Bank major
// outage → both recover, with a maintenance announced for Globex Payroll along the way.
// Steps are at least 14 s apart, more than the 10 s within which three changes fold into one
// summary, so each arrives as its own notification, about 10 s after its step. The last arrives
// at about 85 seconds.
func NewStory() *Story {
	acme := NewPage("acmepay0demo", "Acme Pay", "Card payments", "Payouts", "Dashboard")
	bank := NewPage("northwind000", "Northwind Bank", "Online banking", "Card authorisations", "Transfers")
	payroll := NewPage("globexpayrll", "Globex Payroll", "Payroll runs", "Tax filing")
	books := NewPage("contosobooks", "Contoso Books", "Invoicing", "Bank feeds")
	return &Story{
		Pages: []*Page{acme, bank, payroll, books},
		Steps: []Step{
			{At: 12 * time.Second, Say: "Acme Pay: card payments slow down", Do: func(time.Time) {
				acme.Set("Card payments", Degraded)
				acme.SetIncident(&Incident{Name: "Slower card payments", Impact: "minor", Status: "investigating",
					Update: "We are investigating <b>slower than usual</b> card payments in some regions."})
			}},
			{At: 26 * time.Second, Say: "Globex Payroll announces maintenance", Do: func(now time.Time) {
				payroll.SetMaintenance(&Upcoming{Name: "Payroll system upgrade", Starts: now.Add(2 * time.Hour), End: now.Add(3 * time.Hour)})
			}},
			{At: 40 * time.Second, Say: "Northwind Bank: card authorisations fail", Do: func(time.Time) {
				bank.Set("Card authorisations", Major)
				bank.Set("Online banking", Partial)
				bank.SetIncident(&Incident{Name: "Card payments declined", Impact: "critical", Status: "identified",
					Update: "Card authorisations are failing. We have found the cause and are working on a fix."})
			}},
			{At: 57 * time.Second, Say: "Acme Pay recovers", Do: func(time.Time) {
				acme.SetAll(Operational)
				acme.SetIncident(nil)
			}},
			{At: 72 * time.Second, Say: "Northwind Bank recovers", Do: func(time.Time) {
				bank.SetAll(Operational)
				bank.SetIncident(nil)
			}},
		},
	}
}

// Run plays the story from start, calling say for each step, until it ends or ctx is done.
func (s *Story) Run(ctx context.Context, start time.Time, say func(string)) {
	for i := range s.Steps {
		st := &s.Steps[i]
		wait := time.Until(start.Add(st.At))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case now := <-t.C:
			st.Do(now)
			st.done = true
			if say != nil {
				say(st.Say)
			}
		}
	}
}
