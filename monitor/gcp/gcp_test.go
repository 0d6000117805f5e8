package gcp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/sourcetest"
)

func parseFile(t testing.TB, path string) (monitor.Report, error) {
	t.Helper()
	return Parse(bytes.NewReader(sourcetest.ReadFile(t, path)))
}

func TestParse(t *testing.T) {
	tests := []struct {
		file      string
		want      monitor.State
		incidents int
		title     string
		update    string
		resolved  []string
	}{
		{file: "empty.json", want: monitor.StateOperational},
		{file: "operational.json", want: monitor.StateOperational, resolved: []string{"Cloud Build jobs queued for longer than usual in us-east1"}},
		{file: "degraded.json", want: monitor.StateDegraded, incidents: 1,
			title:    "Some Cloud Console pages may load slowly",
			update:   "Summary: Some Cloud Console pages may load slowly Description: We are investigating. Workaround: retry the page",
			resolved: []string{"Cloud Build jobs queued for longer than usual in us-east1"}},
		{file: "partial_outage.json", want: monitor.StatePartialOutage, incidents: 1,
			title:  "Cloud SQL instances in us-central1 fail to start",
			update: "Mitigation work is underway. We do not have an ETA for mitigation at this point. We will provide more information by Tuesday, 2026-07-14 02:30 US/Pacific."},
		{file: "major_outage.json", want: monitor.StateMajorOutage, incidents: 2,
			title:  "Multiple Google Cloud products are unavailable in europe-west3",
			update: "Our engineers have identified a power event in one zone of europe-west3. Recovery has started."},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := parseFile(t, filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			sourcetest.CheckReport(t, r)
			if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != tt.want {
				t.Errorf("state: got %v, want %v", got, tt.want)
			}
			if len(r.Incidents) != tt.incidents {
				t.Fatalf("incidents: got %d, want %d", len(r.Incidents), tt.incidents)
			}
			if tt.incidents > 0 {
				in := r.Incidents[0]
				if in.Title != tt.title {
					t.Errorf("title: got %q, want %q", in.Title, tt.title)
				}
				if in.LatestUpdate != tt.update {
					t.Errorf("latest update: got %q, want %q", in.LatestUpdate, tt.update)
				}
			}
			var resolved []string
			for _, in := range r.Resolved {
				resolved = append(resolved, in.Title)
				if in.ResolvedAt.IsZero() {
					t.Errorf("resolved %q has no end time", in.Title)
				}
			}
			if got, want := strings.Join(resolved, "|"), strings.Join(tt.resolved, "|"); got != want {
				t.Errorf("resolved: got %q, want %q", got, want)
			}
		})
	}
}

func TestParseDetails(t *testing.T) {
	r, err := parseFile(t, filepath.Join("testdata", "partial_outage.json"))
	if err != nil {
		t.Fatal(err)
	}
	in := r.Incidents[0]
	if got := strings.Join(in.Components, ","); got != "hV87iK5DcEXKgWU2kDri,Cloud SQL,9D7d2iNBQWN24zc1VamE,Cloud Run" {
		t.Errorf("components: got %q", got)
	}
	if want := time.Date(2026, 7, 14, 7, 5, 0, 0, time.UTC); !in.CreatedAt.Equal(want) {
		t.Errorf("created: got %v, want %v", in.CreatedAt, want)
	}
	if want := time.Date(2026, 7, 14, 8, 44, 3, 0, time.UTC); !in.UpdatedAt.Equal(want) {
		t.Errorf("updated: got %v, want %v", in.UpdatedAt, want)
	}
	if in.URL != "incidents/Zy8xW6vU4tS2rQ0pO9nM" || in.Status != "service_disruption" {
		t.Errorf("url, status: got %q, %q", in.URL, in.Status)
	}
}

func TestParseErrors(t *testing.T) {
	for _, file := range []string{"no_id.json", "object.json"} {
		t.Run(file, func(t *testing.T) {
			_, err := parseFile(t, filepath.Join("testdata", file))
			sourcetest.ExpectPayloadError(t, err)
		})
	}
	sourcetest.Rejects(t, Parse, map[string]string{
		"numbers":        `[1,2,3]`,
		"truncated":      `[{"id":"a","begin":"2026-01-01T00:00:00+00:00"},{"id":"b"`,
		"unclosed":       `[{"id":"a"}`,
		"trailing":       `[{"id":"a"}] [`,
		"end is number":  `[{"id":"a","end":5}]`,
		"empty":          ``,
		"null":           `null`,
		"products typed": `[{"id":"a","affected_products":"Cloud SQL"}]`,
	})
}

// bigList writes n incidents, newest first, the first one open, one a day apart.
func bigList(n int) []byte {
	var b bytes.Buffer
	b.WriteString("[")
	t0 := time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC)
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		begin := t0.Add(-time.Duration(i) * 24 * time.Hour)
		end := fmt.Sprintf("%q", begin.Add(time.Hour).Format(time.RFC3339))
		if i == 0 {
			end = "null"
		}
		fmt.Fprintf(&b, `{"id":"inc%06d","begin":%q,"modified":%q,"end":%s,"external_desc":"Incident %d with a description long enough to look like the real ones, mentioning several products and regions","most_recent_update":{"text":"Update for incident %d: the issue has been mitigated and engineers continue to monitor.","status":"AVAILABLE"},"status_impact":"SERVICE_DISRUPTION","severity":"medium","affected_products":[{"title":"Cloud Run","id":"9D7d2iNBQWN24zc1VamE"},{"title":"Cloud SQL","id":"hV87iK5DcEXKgWU2kDri"}],"uri":"incidents/inc%06d"}`,
			i, begin.Format(time.RFC3339), begin.Add(time.Hour).Format(time.RFC3339), end, i, i, i)
	}
	b.WriteString("]")
	return b.Bytes()
}

func TestParseLargeList(t *testing.T) {
	body := bigList(5000)
	r, err := Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Incidents) != 1 || r.Incidents[0].ID != "inc000000" {
		t.Fatalf("open incidents: got %+v", r.Incidents)
	}
	// Newest change is inc000000's modified time (1 Aug 13:00); the window reaches back 7 days.
	if len(r.Resolved) != 7 {
		t.Errorf("resolved: got %d, want 7", len(r.Resolved))
	}
}

func TestCheckBodyCap(t *testing.T) {
	body := bigList(8000)
	if len(body) <= monitor.DefaultMaxBody {
		t.Fatalf("test list is %d bytes, want more than the default cap", len(body))
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()

	_, err := New(srv.URL, monitor.NewFetcher(monitor.FetcherOptions{})).Check(context.Background())
	var fe *monitor.FetchError
	if !errors.As(err, &fe) || fe.Kind != monitor.ErrTooLarge {
		t.Fatalf("default cap: got %v, want ErrTooLarge", err)
	}
	r, err := New(srv.URL, monitor.NewFetcher(monitor.FetcherOptions{MaxBody: RecommendedMaxBody})).Check(context.Background())
	if err != nil {
		t.Fatalf("recommended cap: %v", err)
	}
	if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != monitor.StatePartialOutage {
		t.Errorf("state: got %v, want partial_outage", got)
	}
	if want := srv.URL + "/incidents/inc000000"; r.Incidents[0].URL != want {
		t.Errorf("incident URL: got %q, want %q", r.Incidents[0].URL, want)
	}
}

func TestNewURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://status.cloud.google.com":                            "https://status.cloud.google.com/incidents.json",
		"https://status.cloud.google.com/incidents.json":             "https://status.cloud.google.com/incidents.json",
		"https://www.google.com/appsstatus/dashboard/":               "https://www.google.com/appsstatus/dashboard/incidents.json",
		"https://www.google.com/appsstatus/dashboard/incidents.json": "https://www.google.com/appsstatus/dashboard/incidents.json",
	} {
		if got := New(in, nil).URL(); got != want {
			t.Errorf("New(%q).URL(): got %q, want %q", in, got, want)
		}
	}
	if got := pageName("https://www.google.com/appsstatus/dashboard"); got != "Google Workspace" {
		t.Errorf("workspace page name: got %q", got)
	}
}

func TestContract(t *testing.T) {
	sourcetest.Contract(t, func(base string, f *monitor.Fetcher) monitor.Checker { return New(base, f) },
		map[string][]byte{"/incidents.json": sourcetest.ReadFile(t, "testdata/partial_outage.json")},
		monitor.StatePartialOutage)
}

// TestCorpus parses the shared real payloads when they are present (../../../shared/fixtures).
func TestCorpus(t *testing.T) {
	// INDEX.md: gcp__tuip-incidents-json-fixture.json shows "active SERVICE_DISRUPTION (medium) +
	// resolved": one open partial outage; the resolved one ended months before the newest change.
	want := map[string]struct {
		state               monitor.State
		incidents, resolved int
	}{
		"gcp__tuip-incidents-json-fixture.json": {monitor.StatePartialOutage, 1, 0},
	}
	sourcetest.Corpus(t, []string{"gcp__*.json"}, func(t *testing.T, name string, b []byte) {
		r, err := Parse(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		sourcetest.CheckReport(t, r)
		w, ok := want[name]
		if !ok {
			t.Skipf("no expectation recorded for %s", name)
		}
		if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != w.state {
			t.Errorf("state: got %v, want %v", got, w.state)
		}
		if len(r.Incidents) != w.incidents || len(r.Resolved) != w.resolved {
			t.Errorf("incidents, resolved: got %d, %d, want %d, %d", len(r.Incidents), len(r.Resolved), w.incidents, w.resolved)
		}
	})
}

func BenchmarkParseLargeList(b *testing.B) {
	body := bigList(20000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(body)); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParse(f *testing.F) {
	sourcetest.FuzzSeeds(f, "testdata", ".json")
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Parse(bytes.NewReader(b))
		if !sourcetest.CheckParsed(t, r, err) {
			return
		}
		if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got < monitor.StateUnknown || got > monitor.StateMajorOutage {
			t.Fatalf("rollup %v out of range", got)
		}
	})
}
