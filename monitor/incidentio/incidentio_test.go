package incidentio_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/incidentio"
	"github.com/paywatch/paywatch/monitor/sourcetest"
)

func TestParse(t *testing.T) {
	tests := []struct {
		file       string
		want       monitor.State
		incident   string // title of the first incident; "" for none
		update     string
		maint      string // title of the first maintenance; "" for none
		inProgress bool
		starts     string
		ends       string
	}{
		{file: "operational.json", want: monitor.StateOperational},
		{
			file: "degraded.json", want: monitor.StateDegraded,
			incident: "Slow payouts to some banks", update: "Payouts are taking longer than usual. We are looking into it.",
		},
		{
			file: "partial_outage.json", want: monitor.StatePartialOutage,
			incident: "Card payments failing in Europe", update: "We found the cause and are rolling out a fix.",
		},
		{
			file: "major_outage.json", want: monitor.StateMajorOutage,
			incident: "All payments are down", update: "No payments can be taken right now. Everyone is on it.",
		},
		{
			file: "maintenance_in_progress.json", want: monitor.StateMaintenance,
			maint: "Database upgrade", inProgress: true, starts: "2026-03-04T02:00:00Z", ends: "2026-03-04T04:00:00Z",
		},
		{
			file: "maintenance_ahead.json", want: monitor.StateOperational,
			maint: "Network maintenance", starts: "2026-03-10T01:00:00Z", ends: "2026-03-10T03:30:00Z",
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := incidentio.Parse(bytes.NewReader(readFile(t, filepath.Join("testdata", tt.file))))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			sourcetest.CheckReport(t, r)
			if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != tt.want {
				t.Errorf("Rollup = %v, want %v", got, tt.want)
			}
			if r.PageName != "Acme Payments" {
				t.Errorf("PageName = %q, want %q", r.PageName, "Acme Payments")
			}
			if tt.incident == "" {
				if len(r.Incidents) != 0 {
					t.Errorf("got %d incidents, want none", len(r.Incidents))
				}
			} else {
				if len(r.Incidents) == 0 {
					t.Fatalf("got no incidents, want %q", tt.incident)
				}
				in := r.Incidents[0]
				if in.Title != tt.incident {
					t.Errorf("incident title = %q, want %q", in.Title, tt.incident)
				}
				if in.LatestUpdate != tt.update {
					t.Errorf("latest update = %q, want %q", in.LatestUpdate, tt.update)
				}
			}
			if tt.maint == "" {
				if len(r.Maintenances) != 0 {
					t.Errorf("got %d maintenances, want none", len(r.Maintenances))
				}
				return
			}
			if len(r.Maintenances) == 0 {
				t.Fatalf("got no maintenances, want %q", tt.maint)
			}
			m := r.Maintenances[0]
			if m.Title != tt.maint || m.InProgress != tt.inProgress {
				t.Errorf("maintenance = %q in progress %v, want %q in progress %v", m.Title, m.InProgress, tt.maint, tt.inProgress)
			}
			if !m.StartsAt.Equal(mustTime(t, tt.starts)) || !m.EndsAt.Equal(mustTime(t, tt.ends)) {
				t.Errorf("maintenance times = %v – %v, want %s – %s", m.StartsAt, m.EndsAt, tt.starts, tt.ends)
			}
		})
	}
}

func TestParseDetails(t *testing.T) {
	r, err := incidentio.Parse(bytes.NewReader(readFile(t, "testdata/major_outage.json")))
	if err != nil {
		t.Fatal(err)
	}
	// The second incident names no impact and no components: it still counts as a problem.
	if got := r.Incidents[1].Impact; got != monitor.StateDegraded {
		t.Errorf("impact of an incident with no impact = %v, want degraded", got)
	}
	if got, want := r.Incidents[0].Components, []string{"01J8Z3AAAAAAAAAAAAAAAAAAA2", "Card payments"}; !equal(got, want) {
		t.Errorf("components = %q, want %q", got, want)
	}
	// A filter on a component the incident touches keeps it; the rest of the page does not count.
	if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{Include: []string{"Card payments"}}); got != monitor.StateMajorOutage {
		t.Errorf("filtered Rollup = %v, want major_outage", got)
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name, body string
	}{
		{"another platform", `{"page":{"id":"kctbh9vrtdwd","name":"GitHub"},"status":{"indicator":"none"}}`},
		{"empty object", `{}`},
		{"array", `[]`},
		{"null", `null`},
		{"wrong list type", `{"page_title":"x","ongoing_incidents":{"id":"1"}}`},
		{"truncated", `{"page_title":"Acme","ongoing_incidents":[{"id":"1","name":"Do`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := incidentio.Parse(bytes.NewReader([]byte(tt.body)))
			var pe *monitor.PayloadError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v, want a *monitor.PayloadError", err)
			}
		})
	}
}

func TestParseByteOrderMark(t *testing.T) {
	b := append([]byte("\xef\xbb\xbf"), readFile(t, "testdata/degraded.json")...)
	if _, err := incidentio.Parse(bytes.NewReader(b)); err != nil {
		t.Fatalf("Parse with a byte-order mark: %v", err)
	}
}

func TestNewURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://status.flyio.net":                  "https://status.flyio.net/api/v1/summary",
		"https://status.flyio.net/":                 "https://status.flyio.net/api/v1/summary",
		"https://status.flyio.net/api/v1/summary":   "https://status.flyio.net/api/v1/summary",
		" https://www.replicatestatus.com/api/v1/ ": "https://www.replicatestatus.com/api/v1/summary",
	} {
		if got := incidentio.New(in, nil).SummaryURL(); got != want {
			t.Errorf("New(%q).SummaryURL() = %q, want %q", in, got, want)
		}
	}
}

func TestContract(t *testing.T) {
	sourcetest.Contract(t,
		func(base string, f *monitor.Fetcher) monitor.Checker { return incidentio.New(base, f) },
		map[string][]byte{incidentio.SummaryPath: readFile(t, "testdata/partial_outage.json")},
		monitor.StatePartialOutage)
}

// TestSharedFixtures parses the real payloads kept next to the repository, when they are there.
func TestSharedFixtures(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "fixtures")
	b, err := os.ReadFile(filepath.Join(dir, "incidentio__fitnudge-widget-api-v1-summary.json"))
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("shared fixtures not present")
	}
	if err != nil {
		t.Fatal(err)
	}
	r, err := incidentio.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	sourcetest.CheckReport(t, r)
	if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != monitor.StatePartialOutage {
		t.Errorf("Rollup = %v, want partial_outage", got)
	}
	if len(r.Maintenances) != 2 || !r.Maintenances[0].InProgress || r.Maintenances[1].InProgress {
		t.Errorf("maintenances = %+v, want one in progress and one ahead", r.Maintenances)
	}
}

func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files: %v", err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := incidentio.Parse(bytes.NewReader(b))
		if err != nil {
			var pe *monitor.PayloadError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *monitor.PayloadError", err)
			}
			return
		}
		sourcetest.CheckReport(t, r)
	})
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustTime(t testing.TB, v string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, v)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
