package cachet_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/cachet"
	"github.com/paywatch/paywatch/monitor/sourcetest"
)

// TestCorpusCachet reads the real payloads in testdata/corpus (sources in its INDEX.md) to the
// state a person reading them would give.
func TestCorpusCachet(t *testing.T) {
	index := string(sourcetest.ReadFile(t, filepath.Join("testdata", "corpus", "INDEX.md")))
	for _, tt := range []struct {
		file, list string // list: "components" or "incidents"
		want       monitor.State
		reason     string
	}{
		{"cachet_docs_2015_incidents.json", "incidents", monitor.StateDegraded,
			"one incident is Investigating (status 1); the other is Fixed"},
		{"cachet_mock_status1_fixed_incidents.json", "incidents", monitor.StateOperational,
			"human_status says Fixed even though the number says 1 (Investigating): it is over"},
		{"cachet_node_docs_incidents.json", "incidents", monitor.StateOperational, "the one incident is Fixed (4)"},
		{"cachet_mock_components.json", "components", monitor.StateOperational, "the one component is Operational (1)"},
		{"cachet_node_docs_components.json", "components", monitor.StateOperational, "the one component is Operational (1)"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			if !strings.Contains(index, tt.file) {
				t.Errorf("%s has no source in INDEX.md", tt.file)
			}
			b := sourcetest.ReadFile(t, filepath.Join("testdata", "corpus", tt.file))
			var r monitor.Report
			var err error
			if tt.list == "components" {
				r.Components, err = cachet.ParseComponents(bytes.NewReader(b))
			} else {
				r.Incidents, r.Maintenances, err = cachet.ParseIncidents(bytes.NewReader(b))
			}
			if err != nil {
				t.Fatal(err)
			}
			sourcetest.CheckReport(t, r)
			if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != tt.want {
				t.Errorf("state %v, want %v (%s): %+v", got, tt.want, tt.reason, r)
			}
		})
	}
}
