package instatus_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/instatus"
	"github.com/paywatch/paywatch/monitor/sourcetest"
)

func TestParse(t *testing.T) {
	tests := []struct {
		file       string
		components string // a /v2/components.json file to merge; "" for none
		want       monitor.State
		incident   string
		update     string
		maint      string
		inProgress bool
		starts     string
		ends       string
	}{
		{file: "operational.json", components: "components_operational.json", want: monitor.StateOperational},
		{
			// The page says UP while an incident is open: the incident wins.
			file: "degraded_page_up.json", want: monitor.StateDegraded,
			incident: "Payouts delayed", update: "The cause is a slow bank partner; payouts still arrive, only later.",
		},
		{file: "partial_outage.json", components: "components_partial.json", want: monitor.StatePartialOutage, incident: "Some card payments declined"},
		{file: "major_outage.json", want: monitor.StateMajorOutage, incident: "API unreachable", update: "A fix is live and we are watching closely."},
		{
			file: "maintenance_in_progress.json", want: monitor.StateMaintenance,
			maint: "Ledger database upgrade", inProgress: true, starts: "2026-04-05T02:00:00Z", ends: "2026-04-05T04:00:00Z",
		},
		{
			file: "maintenance_ahead.json", want: monitor.StateOperational,
			maint: "Network maintenance", starts: "2026-04-11T22:00:00Z", ends: "2026-04-11T23:30:00Z",
		},
		{file: "has_issues_bare.json", want: monitor.StateDegraded},
		{file: "checkly_has_issues.json", want: monitor.StateMajorOutage, incident: "Check runs delayed in eu-west-1"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var comps io.Reader
			if tt.components != "" {
				comps = bytes.NewReader(readFile(t, filepath.Join("testdata", tt.components)))
			}
			r, err := instatus.ParseWithComponents(bytes.NewReader(readFile(t, filepath.Join("testdata", tt.file))), comps)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			sourcetest.CheckReport(t, r)
			if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != tt.want {
				t.Errorf("Rollup = %v, want %v", got, tt.want)
			}
			if tt.incident == "" {
				if len(r.Incidents) != 0 {
					t.Errorf("got %d incidents, want none", len(r.Incidents))
				}
			} else {
				if len(r.Incidents) != 1 {
					t.Fatalf("got %d incidents, want 1 (%q)", len(r.Incidents), tt.incident)
				}
				if in := r.Incidents[0]; in.Title != tt.incident || in.LatestUpdate != tt.update {
					t.Errorf("incident = %q / %q, want %q / %q", in.Title, in.LatestUpdate, tt.incident, tt.update)
				}
			}
			if tt.maint == "" {
				if len(r.Maintenances) != 0 {
					t.Errorf("got %d maintenances, want none", len(r.Maintenances))
				}
				return
			}
			if len(r.Maintenances) != 1 {
				t.Fatalf("got %d maintenances, want 1", len(r.Maintenances))
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
	r, err := instatus.ParseWithComponents(
		bytes.NewReader(readFile(t, "testdata/partial_outage.json")),
		bytes.NewReader(readFile(t, "testdata/components_partial.json")))
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
	if !in.CreatedAt.Equal(mustTime(t, "2026-04-02T10:15:00Z")) {
		t.Errorf("incident CreatedAt = %v, want 2026-04-02 10:15 UTC", in.CreatedAt)
	}
	// Instatus incidents name no components, so under a filter only the chosen components count.
	if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{Include: []string{"Payouts"}}); got != monitor.StateOperational {
		t.Errorf("Rollup filtered to Payouts = %v, want operational", got)
	}
	m, err := instatus.Parse(bytes.NewReader(readFile(t, "testdata/major_outage.json")))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Incidents[0].CreatedAt; !got.Equal(mustTime(t, "2026-04-02T23:02:03Z")) {
		t.Errorf("CreatedAt from a JavaScript date with an offset = %v, want 23:02:03 UTC", got)
	}
}

func TestParseRejects(t *testing.T) {
	for name, body := range map[string]string{
		"statuspage shape": `{"page":{"id":"kctbh9vrtdwd"},"status":{"indicator":"none"}}`,
		"no page":          `{"activeIncidents":[]}`,
		"array":            `[{"page":{"status":"UP"}}]`,
		"truncated":        `{"page":{"name":"Acme","status":"UP"},"activeIncidents":[{"na`,
		"wrong types":      `{"page":{"name":"Acme","status":"UP"},"activeIncidents":"none"}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := instatus.Parse(bytes.NewReader([]byte(body)))
			var pe *monitor.PayloadError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v, want a *monitor.PayloadError", err)
			}
		})
	}
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
			w.Write(readFile(t, "testdata/checkly_has_issues.json"))
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
			instatus.SummaryPath:    readFile(t, "testdata/partial_outage.json"),
			instatus.ComponentsPath: readFile(t, "testdata/components_partial.json"),
		},
		monitor.StatePartialOutage)
}

func TestSharedFixtures(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "fixtures")
	b, err := os.ReadFile(filepath.Join(dir, "instatus__instatus-help-public-data-summary.json"))
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("shared fixtures not present")
	}
	if err != nil {
		t.Fatal(err)
	}
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
		if r, err := instatus.Parse(bytes.NewReader(b)); err == nil {
			sourcetest.CheckReport(t, r)
		} else if !isPayloadError(err) {
			t.Fatalf("Parse error %v is not a *monitor.PayloadError", err)
		}
		if cs, err := instatus.ParseComponents(bytes.NewReader(b)); err == nil {
			sourcetest.CheckReport(t, monitor.Report{Components: cs})
		} else if !isPayloadError(err) {
			t.Fatalf("ParseComponents error %v is not a *monitor.PayloadError", err)
		}
	})
}

func isPayloadError(err error) bool {
	var pe *monitor.PayloadError
	return errors.As(err, &pe)
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
