package monitor_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// TestPageInventingIncidents: a hostile page lists 20 incidents under new IDs on every poll, for
// 600 polls (10 hours at one a minute). What it can add to the state file and to one
// notification is bounded: the file stays under 64 KB, no notification has more than 6 lines,
// and there is at most one "new incident" notification per poll, when the titles are new too,
// and none at all when only the IDs change.
func TestPageInventingIncidents(t *testing.T) {
	for _, tt := range []struct {
		name      string
		newTitles bool
		maxNotes  int
	}{
		{"same titles, new IDs", false, 0},
		{"new titles and IDs", true, 600},
	} {
		t.Run(tt.name, func(t *testing.T) {
			target := monitor.Target{ServiceID: "acme", SourceID: "page", Kind: monitor.KindPage, Platform: "statuspage",
				URL: "https://status.acme.example", Interval: time.Minute}
			tr := monitor.NewTracker([]monitor.ServiceSpec{{ID: "acme", Name: "Acme Pay", URL: target.URL, Targets: []monitor.Target{target}}}, monitor.Thresholds{})
			policy := monitor.NewPolicy(monitor.AlertConfig{}, nil, time.UTC)
			st := monitor.NewPolicyState()
			path := filepath.Join(t.TempDir(), "alerts.json")
			at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
			var notes []monitor.Notification
			for poll := range 600 {
				var incidents []monitor.Incident
				for i := range 20 {
					title := fmt.Sprintf("Elevated errors %d", i)
					if tt.newTitles {
						title = fmt.Sprintf("Elevated errors %d-%d", poll, i)
					}
					incidents = append(incidents, monitor.Incident{ID: fmt.Sprintf("inc-%d-%d", poll, i), Title: title,
						Impact: monitor.StateMajorOutage, Status: "investigating", CreatedAt: at, UpdatedAt: at})
				}
				cs := tr.Observe(monitor.Observation{Target: target.Key(), At: at, Report: monitor.Report{
					PageName: "Acme Pay", Indicator: monitor.StateMajorOutage, Incidents: incidents}})
				notes = append(notes, policy.Apply(st, cs, at)...)
				at = at.Add(time.Minute)
				notes = append(notes, policy.Tick(st, tr.Snapshot(at), at)...)
				if err := st.Save(path); err != nil {
					t.Fatal(err)
				}
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			news := 0
			for _, n := range notes {
				if lines := strings.Count(n.Body, "\n") + 1; lines > 6 {
					t.Errorf("notification %q has %d lines, want at most 6", n.Title, lines)
				}
				if strings.Contains(n.Title, "changes at once") || strings.HasSuffix(n.Title, "new incident") {
					news++
				}
			}
			t.Logf("state file %d bytes; %d notifications (%d new-incident or storm)", fi.Size(), len(notes), news)
			if fi.Size() > 64<<10 {
				t.Errorf("state file is %d KB after 600 polls, want under 64 KB", fi.Size()>>10)
			}
			// The first poll is the baseline (the outage told once, no incident news).
			if news > tt.maxNotes {
				t.Errorf("%d new-incident notifications in 600 polls, want at most %d", news, tt.maxNotes)
			}
		})
	}
}

// TestBurstFromOneService: 50 notifications from one service in one burst become one summary
// that counts them all, with at most 6 lines; the state file keeps 5 of them while it waits.
func TestBurstFromOneService(t *testing.T) {
	policy := monitor.NewPolicy(monitor.AlertConfig{}, nil, time.UTC)
	st := monitor.NewPolicyState()
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	var cs []monitor.Change
	for i := range 50 {
		in := monitor.Incident{ID: fmt.Sprintf("inc-%d", i), Title: fmt.Sprintf("Problem %d", i), Impact: monitor.StateMajorOutage}
		cs = append(cs, monitor.Change{Kind: monitor.ChangeNewIncident, ServiceID: "acme", Name: "Acme Pay",
			From: monitor.StateMajorOutage, To: monitor.StateMajorOutage, At: at, Incident: &in})
	}
	notes := policy.Apply(st, cs, at)
	if len(st.Pending) != 5 || st.PendingMore != 45 {
		t.Errorf("waiting: %d notifications kept and %d counted, want 5 and 45", len(st.Pending), st.PendingMore)
	}
	at = at.Add(monitor.StormWindow + time.Second)
	notes = append(notes, policy.Tick(st, monitor.Snapshot{}, at)...)
	if len(notes) != 1 || notes[0].Title != "Paywatch: 50 changes at once" {
		t.Fatalf("notified %+v, want one summary of 50 changes", notes)
	}
	lines := strings.Split(notes[0].Body, "\n")
	if len(lines) != 6 || lines[5] != "…and 45 more." {
		t.Errorf("summary body:\n%s\nwant 5 lines and …and 45 more.", notes[0].Body)
	}
}
