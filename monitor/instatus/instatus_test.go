package instatus_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/instatus"
	"github.com/paywatch/paywatch/monitor/sourcetest"
)

func TestParse(t *testing.T) {
	tests := []struct {
		sourcetest.Scenario
		components string // a /v2/components.json file to merge; "" for none
	}{
		{sourcetest.Scenario{File: "operational.json", State: monitor.StateOperational}, "components_operational.json"},
		{sourcetest.Scenario{
			// The page says UP while an incident is open: the incident wins.
			File: "degraded_page_up.json", State: monitor.StateDegraded,
			Incident: "Payouts delayed", Update: "The cause is a slow bank partner; payouts still arrive, only later.",
		}, ""},
		{sourcetest.Scenario{File: "partial_outage.json", State: monitor.StatePartialOutage, Incident: "Some card payments declined"}, "components_partial.json"},
		{sourcetest.Scenario{File: "major_outage.json", State: monitor.StateMajorOutage, Incident: "API unreachable", Update: "A fix is live and we are watching closely."}, ""},
		{sourcetest.Scenario{
			File: "maintenance_in_progress.json", State: monitor.StateMaintenance,
			Maint: "Ledger database upgrade", InProgress: true, Starts: "2026-04-05T02:00:00Z", Ends: "2026-04-05T04:00:00Z",
		}, ""},
		{sourcetest.Scenario{
			File: "maintenance_ahead.json", State: monitor.StateOperational,
			Maint: "Network maintenance", Starts: "2026-04-11T22:00:00Z", Ends: "2026-04-11T23:30:00Z",
		}, ""},
		{sourcetest.Scenario{File: "has_issues_bare.json", State: monitor.StateDegraded}, ""},
		{sourcetest.Scenario{File: "checkly_has_issues.json", State: monitor.StateMajorOutage, Incident: "Check runs delayed in eu-west-1"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.File, func(t *testing.T) {
			var comps io.Reader
			if tt.components != "" {
				comps = bytes.NewReader(sourcetest.ReadFile(t, filepath.Join("testdata", tt.components)))
			}
			r, err := instatus.ParseWithComponents(bytes.NewReader(sourcetest.ReadFile(t, filepath.Join("testdata", tt.File))), comps)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tt.Check(t, r)
		})
	}
}

func TestParseDetails(t *testing.T) {
	r, err := instatus.ParseWithComponents(
		bytes.NewReader(sourcetest.ReadFile(t, "testdata/partial_outage.json")),
		bytes.NewReader(sourcetest.ReadFile(t, "testdata/components_partial.json")))
	if err != nil {
		t.Fatal(err)
	}
	want := []monitor.Component{
		{ID: "cm1comp0000001", Name: "Card payments", Group: "Payments", State: monitor.StatePartialOutage},
		{ID: "cm1comp0000002", Name: "Payouts", State: monitor.StateOperational},
		{ID: "cm1comp0000003", Name: "Reports", Group: "Dashboard", State: monitor.StateDegraded},
		{ID: "cm1comp0000004", Name: "Sign-in", Group: "Dashboard", State: monitor.StateOperational},
	}
	if len(r.Components) != len(want) {
		t.Fatalf("components = %+v, want %+v", r.Components, want)
	}
	for i := range want {
		if r.Components[i] != want[i] {
			t.Errorf("component %d = %+v, want %+v", i, r.Components[i], want[i])
		}
	}
	in := r.Incidents[0]
	if in.ID != "cm1cards0000002abcdefgh" {
		t.Errorf("incident ID = %q, want the id from its URL", in.ID)
	}
	if !in.CreatedAt.Equal(sourcetest.MustTime(t, "2026-04-02T10:15:00Z")) {
		t.Errorf("incident CreatedAt = %v, want 2026-04-02 10:15 UTC", in.CreatedAt)
	}
	// Instatus incidents name no components, so under a filter only the chosen components count.
	if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{Include: []string{"Payouts"}}); got != monitor.StateOperational {
		t.Errorf("Rollup filtered to Payouts = %v, want operational", got)
	}
	m, err := instatus.Parse(bytes.NewReader(sourcetest.ReadFile(t, "testdata/major_outage.json")))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Incidents[0].CreatedAt; !got.Equal(sourcetest.MustTime(t, "2026-04-02T23:02:03Z")) {
		t.Errorf("CreatedAt from a JavaScript date with an offset = %v, want 23:02:03 UTC", got)
	}
}

func TestParseRejects(t *testing.T) {
	sourcetest.Rejects(t, instatus.Parse, map[string]string{
		"statuspage shape": `{"page":{"id":"kctbh9vrtdwd"},"status":{"indicator":"none"}}`,
		"no page":          `{"activeIncidents":[]}`,
		"array":            `[{"page":{"status":"UP"}}]`,
		"truncated":        `{"page":{"name":"Acme","status":"UP"},"activeIncidents":[{"na`,
		"wrong types":      `{"page":{"name":"Acme","status":"UP"},"activeIncidents":"none"}`,
	})
	if _, err := instatus.ParseComponents(bytes.NewReader([]byte(`{"data":[]}`))); err == nil {
		t.Error("ParseComponents accepted a document without components")
	}
}

// TestCheckWithoutComponents covers pages (Checkly, older Instatus) with no components endpoint:
// the summary alone decides, and the missing endpoint is not asked for again.
func TestCheckWithoutComponents(t *testing.T) {
	var compHits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case instatus.SummaryPath:
			w.Write(sourcetest.ReadFile(t, "testdata/checkly_has_issues.json"))
		case instatus.ComponentsPath:
			compHits.Add(1)
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!doctype html><html><body>app shell</body></html>"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := instatus.New(srv.URL+"/summary.json", monitor.NewFetcher(monitor.FetcherOptions{Transport: tr}))
	for i := 0; i < 2; i++ {
		r, err := c.Check(t.Context())
		if err != nil {
			t.Fatalf("Check %d: %v", i, err)
		}
		if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != monitor.StateMajorOutage {
			t.Errorf("Check %d: Rollup = %v, want major_outage", i, got)
		}
	}
	if n := compHits.Load(); n != 1 {
		t.Errorf("components endpoint asked %d times, want 1", n)
	}
}

func TestContract(t *testing.T) {
	sourcetest.Contract(t,
		func(base string, f *monitor.Fetcher) monitor.Checker { return instatus.New(base, f) },
		map[string][]byte{
			instatus.SummaryPath:    sourcetest.ReadFile(t, "testdata/partial_outage.json"),
			instatus.ComponentsPath: sourcetest.ReadFile(t, "testdata/components_partial.json"),
		},
		monitor.StatePartialOutage)
}

func TestSharedFixtures(t *testing.T) {
	b := sourcetest.SharedFixture(t, "instatus__instatus-help-public-data-summary.json")
	r, err := instatus.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	sourcetest.CheckReport(t, r)
	// HASISSUES with an INVESTIGATING / MAJOROUTAGE incident and a maintenance not started yet.
	if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != monitor.StateMajorOutage {
		t.Errorf("Rollup = %v, want major_outage", got)
	}
	if len(r.Maintenances) != 1 || r.Maintenances[0].InProgress {
		t.Errorf("maintenances = %+v, want one not started", r.Maintenances)
	}
}

func FuzzParse(f *testing.F) {
	sourcetest.FuzzSeeds(f, "testdata", ".json")
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := instatus.Parse(bytes.NewReader(b))
		sourcetest.CheckParsed(t, r, err)
		cs, err := instatus.ParseComponents(bytes.NewReader(b))
		sourcetest.CheckParsed(t, monitor.Report{Components: cs}, err)
	})
}
