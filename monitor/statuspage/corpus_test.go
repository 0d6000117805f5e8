package statuspage_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/sourcetest"
	"github.com/paywatch/paywatch/monitor/statuspage"
)

// TestCorpusStatuspage reads the real payloads in testdata/corpus (sources in its INDEX.md) to
// the state a person reading them would give.
func TestCorpusStatuspage(t *testing.T) {
	index := string(sourcetest.ReadFile(t, filepath.Join("testdata", "corpus", "INDEX.md")))
	for _, tt := range []struct {
		file   string
		want   monitor.State
		reason string
	}{
		{"github_summary_without_page.json", monitor.StateDegraded,
			"no page section; indicator minor and Actions degraded"},
		{"anthropic_status_empty_page.json", monitor.StatePartialOutage, "indicator major: Statuspage's 'Partial System Outage'"},
		{"github_status_2023_09.json", monitor.StateOperational, "indicator none, All Systems Operational"},
		{"github_status_2026_10.json", monitor.StateOperational, "indicator none, All Systems Operational"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			if !strings.Contains(index, tt.file) {
				t.Errorf("%s has no source in INDEX.md", tt.file)
			}
			r, err := statuspage.Parse(bytes.NewReader(sourcetest.ReadFile(t, filepath.Join("testdata", "corpus", tt.file))))
			if err != nil {
				t.Fatal(err)
			}
			sourcetest.CheckReport(t, r)
			if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != tt.want {
				t.Errorf("state %v, want %v (%s)", got, tt.want, tt.reason)
			}
		})
	}
}
