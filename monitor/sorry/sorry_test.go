package sorry_test

import (
	"bytes"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/sorry"
	"github.com/paywatch/paywatch/monitor/sourcetest"
)

func TestParse(t *testing.T) {
	tests := []struct {
		file       string
		want       monitor.State
		incident   string
		update     string
		status     string
		maint      string
		inProgress bool
		starts     string
		ends       string
	}{
		// The resolved notice is history.
		{file: "operational.json", want: monitor.StateOperational},
		// Sorry has no "degraded" of ours: an open notice that names no component counts as one.
		{file: "degraded.json", want: monitor.StateDegraded, incident: "Emails delayed", update: "Receipts are arriving late; catching up now.", status: "recovering"},
		{file: "partial_outage.json", want: monitor.StatePartialOutage, incident: "Some card payments slow", update: "We found the cause and are fixing it.", status: "identified"},
		{file: "major_outage.json", want: monitor.StateMajorOutage, incident: "Card payments down", update: "No card payments go through.", status: "investigating"},
		{
			file: "maintenance_in_progress.json", want: monitor.StateMaintenance,
			maint: "Portal upgrade", inProgress: true, starts: "2026-09-01T07:00:00Z", ends: "2026-09-01T09:00:00Z",
		},
		{
			// The completed maintenance and the general notice are left out.
			file: "maintenance_ahead.json", want: monitor.StateOperational,
			maint: "Bank transfer maintenance", starts: "2026-09-12T01:00:00Z", ends: "2026-09-12T02:00:00Z",
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := sorry.Parse(bytes.NewReader(readFile(t, filepath.Join("testdata", tt.file))))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			sourcetest.CheckReport(t, r)
			if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != tt.want {
				t.Errorf("Rollup = %v, want %v", got, tt.want)
			}
			if r.PageName != "Acme Pay" || len(r.Components) != 4 {
				t.Errorf("page %q with %d components, want Acme Pay with 4", r.PageName, len(r.Components))
			}
			if tt.incident == "" {
				if len(r.Incidents) != 0 {
					t.Errorf("incidents = %+v, want none", r.Incidents)
				}
			} else {
				if len(r.Incidents) != 1 {
					t.Fatalf("got %d incidents, want 1", len(r.Incidents))
				}
				in := r.Incidents[0]
				if in.Title != tt.incident || in.LatestUpdate != tt.update || in.Status != tt.status {
					t.Errorf("incident = %q / %q / %q, want %q / %q / %q", in.Title, in.LatestUpdate, in.Status, tt.incident, tt.update, tt.status)
				}
			}
			if tt.maint == "" {
				if len(r.Maintenances) != 0 {
					t.Errorf("maintenances = %+v, want none", r.Maintenances)
				}
				return
			}
			if len(r.Maintenances) != 1 {
				t.Fatalf("got %d maintenances (%+v), want 1", len(r.Maintenances), r.Maintenances)
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

func TestParseComponents(t *testing.T) {
	r, err := sorry.Parse(bytes.NewReader(readFile(t, "testdata/major_outage.json")))
	if err != nil {
		t.Fatal(err)
	}
	want := []monitor.Component{
		{ID: "11", Name: "Payments", State: monitor.StatePartialOutage},
		{ID: "12", Name: "Card payments", Group: "Payments", State: monitor.StateMajorOutage},
		{ID: "13", Name: "Bank transfers", Group: "Payments", State: monitor.StateOperational},
		{ID: "14", Name: "Merchant portal", State: monitor.StateOperational},
	}
	for i := range want {
		if r.Components[i] != want[i] {
			t.Errorf("component %d = %+v, want %+v", i, r.Components[i], want[i])
		}
	}
	for include, want := range map[string]monitor.State{
		"Bank transfers": monitor.StateOperational, "Card payments": monitor.StateMajorOutage, "Merchant portal": monitor.StateOperational,
	} {
		if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{Include: []string{include}}); got != want {
			t.Errorf("Rollup filtered to %q = %v, want %v", include, got, want)
		}
	}
}

// TestParseAll checks the three separate documents give the same report as the page with its
// lists embedded.
func TestParseAll(t *testing.T) {
	split, err := sorry.ParseAll(
		bytes.NewReader(readFile(t, "testdata/split/page.json")),
		bytes.NewReader(readFile(t, "testdata/split/components.json")),
		bytes.NewReader(readFile(t, "testdata/split/notices.json")))
	if err != nil {
		t.Fatal(err)
	}
	whole, err := sorry.Parse(bytes.NewReader(readFile(t, "testdata/partial_outage.json")))
	if err != nil {
		t.Fatal(err)
	}
	g1, _, _ := monitor.Rollup(split, monitor.ComponentFilter{})
	g2, _, _ := monitor.Rollup(whole, monitor.ComponentFilter{})
	if g1 != g2 || len(split.Components) != len(whole.Components) || len(split.Incidents) != len(whole.Incidents) {
		t.Errorf("split: %v, %d components, %d incidents; whole: %v, %d, %d", g1, len(split.Components), len(split.Incidents), g2, len(whole.Components), len(whole.Incidents))
	}
	ins, ms, err := sorry.ParseNotices(bytes.NewReader(readFile(t, "testdata/split/notices.json")))
	if err != nil || len(ins) != 1 || len(ms) != 0 || ins[0].Impact != monitor.StatePartialOutage {
		t.Errorf("ParseNotices = %+v, %+v, %v; want one partial outage", ins, ms, err)
	}
}

func TestParseRejects(t *testing.T) {
	for name, body := range map[string]string{
		"statuspage shape": `{"page":{"id":"x"},"status":{"indicator":"none"}}`,
		"no response":      `{"count":0}`,
		"empty response":   `{"response":{}}`,
		"list response":    `{"response":[{"id":"x"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := sorry.Parse(strings.NewReader(body))
			var pe *monitor.PayloadError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v, want a *monitor.PayloadError", err)
			}
		})
	}
}

// TestCheckPrivateLists: a page that keeps its notices to itself is still read.
func TestCheckPrivateLists(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/pages/9f3a1c2e":
			w.Write(readFile(t, "testdata/split/page.json"))
		case "/v1/pages/9f3a1c2e/components":
			w.Write(readFile(t, "testdata/split/components.json"))
		default:
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"unauthorized"}`))
		}
	}))
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	r, err := sorry.New(srv.URL+"/v1/pages/9f3a1c2e/notices", monitor.NewFetcher(monitor.FetcherOptions{Transport: tr})).Check(t.Context())
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != monitor.StatePartialOutage || len(r.Incidents) != 0 {
		t.Errorf("Rollup = %v with %d incidents, want partial_outage from the components alone", got, len(r.Incidents))
	}
}

func TestPageURL(t *testing.T) {
	for in, want := range map[string]string{
		"946f5b28": "https://api.sorryapp.com/v1/pages/946f5b28",
		"https://api.sorryapp.com/v1/pages/946f5b28":                 "https://api.sorryapp.com/v1/pages/946f5b28",
		"https://api.sorryapp.com/v1/pages/946f5b28/notices?page=2":  "https://api.sorryapp.com/v1/pages/946f5b28",
		"https://api.sorryapp.com/v1/pages/946f5b28?include=notices": "https://api.sorryapp.com/v1/pages/946f5b28",
		" https://api.sorryapp.com/v1/pages/946f5b28/components/ ":   "https://api.sorryapp.com/v1/pages/946f5b28",
	} {
		if got := sorry.New(in, nil).URL(); got != want {
			t.Errorf("New(%q).URL() = %q, want %q", in, got, want)
		}
	}
}

func TestContract(t *testing.T) {
	const page = "/v1/pages/9f3a1c2e"
	sourcetest.Contract(t,
		func(base string, f *monitor.Fetcher) monitor.Checker { return sorry.New(base+page, f) },
		map[string][]byte{
			page:                 readFile(t, "testdata/split/page.json"),
			page + "/components": readFile(t, "testdata/split/components.json"),
			page + "/notices":    readFile(t, "testdata/split/notices.json"),
		},
		monitor.StatePartialOutage)
}

func FuzzParse(f *testing.F) {
	var seeds [][]byte
	filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			seeds = append(seeds, b)
		}
		return nil
	})
	if len(seeds) == 0 {
		f.Fatal("no seed files")
	}
	for _, b := range seeds {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := sorry.ParseAll(bytes.NewReader(b), bytes.NewReader(b), bytes.NewReader(b)); err == nil {
			sourcetest.CheckReport(t, r)
		} else if !isPayloadError(err) {
			t.Fatalf("ParseAll error %v is not a *monitor.PayloadError", err)
		}
		if r, err := sorry.Parse(bytes.NewReader(b)); err == nil {
			sourcetest.CheckReport(t, r)
		} else if !isPayloadError(err) {
			t.Fatalf("Parse error %v is not a *monitor.PayloadError", err)
		}
		if ins, ms, err := sorry.ParseNotices(bytes.NewReader(b)); err == nil {
			sourcetest.CheckReport(t, monitor.Report{Incidents: ins, Maintenances: ms})
		} else if !isPayloadError(err) {
			t.Fatalf("ParseNotices error %v is not a *monitor.PayloadError", err)
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
