package slack

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/sourcetest"
)

// TestCorpusSlack reads the real payloads in testdata/corpus (sources in its INDEX.md) to the
// state a person reading them would give.
func TestCorpusSlack(t *testing.T) {
	index := string(sourcetest.ReadFile(t, filepath.Join("testdata", "corpus", "INDEX.md")))
	for _, tt := range []struct {
		file   string
		want   monitor.State
		reason string
	}{
		{"slack_docs_ok.json", monitor.StateOperational, "status ok, nothing active"},
		{"slack_docs_incident.json", monitor.StatePartialOutage,
			"an incident: the email forwarding feature is failing for some customers"},
		{"slack_live_retention_incident.json", monitor.StateDegraded,
			"an incident: trouble accessing historical messages under custom retention, nothing down"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			if !strings.Contains(index, tt.file) {
				t.Errorf("%s has no source in INDEX.md", tt.file)
			}
			r, err := Parse(bytes.NewReader(sourcetest.ReadFile(t, filepath.Join("testdata", "corpus", tt.file))))
			if err != nil {
				t.Fatal(err)
			}
			sourcetest.CheckReport(t, r)
			if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != tt.want {
				t.Errorf("state %v, want %v (%s): %+v", got, tt.want, tt.reason, r.Incidents)
			}
		})
	}
}

// TestNoticesAndStatuses: Slack's documented type notice is information, and its documented
// statuses scheduled, completed and cancelled are planned work ahead and work that is over.
func TestNoticesAndStatuses(t *testing.T) {
	for _, tt := range []struct {
		name, kind, status, title string
		want                      monitor.State
		incidents, maintenances   int
	}{
		{"notice", "notice", "active", "Huddles notice", monitor.StateOperational, 0, 0},
		{"notice of maintenance", "notice", "active", "Scheduled maintenance for Slack Connect", monitor.StateMaintenance, 0, 1},
		{"scheduled", "incident", "scheduled", "Planned database work", monitor.StateOperational, 0, 1},
		{"cancelled", "notice", "cancelled", "Scheduled maintenance for Slack Connect", monitor.StateOperational, 0, 0},
		{"resolved incident", "incident", "resolved", "Messages delayed", monitor.StateOperational, 0, 0},
		{"outage", "outage", "active", "Slack is down", monitor.StateMajorOutage, 1, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"status":"active","active_incidents":[{"id":1,"type":"` + tt.kind + `","status":"` + tt.status +
				`","title":"` + tt.title + `","services":["Messaging"],"notes":[]}]}`
			r, err := Parse(strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != tt.want {
				t.Errorf("state %v, want %v", got, tt.want)
			}
			if len(r.Incidents) != tt.incidents || len(r.Maintenances) != tt.maintenances {
				t.Errorf("incidents %d, maintenances %d, want %d, %d", len(r.Incidents), len(r.Maintenances), tt.incidents, tt.maintenances)
			}
		})
	}
}
