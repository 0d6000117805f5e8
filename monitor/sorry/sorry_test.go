package sorry_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/sorry"
	"github.com/paywatch/paywatch/monitor/sourcetest"
)

func TestParse(t *testing.T) {
	for _, tt := range []sourcetest.Scenario{
		// The resolved notice is history.
		{File: "operational.json", State: monitor.StateOperational},
		// Sorry has no "degraded" of ours: an open notice that names no component counts as one.
		{File: "degraded.json", State: monitor.StateDegraded, Incident: "Emails delayed", Update: "Receipts are arriving late; catching up now.", Status: "recovering"},
		{File: "partial_outage.json", State: monitor.StatePartialOutage, Incident: "Some card payments slow", Update: "We found the cause and are fixing it.", Status: "identified"},
		{File: "major_outage.json", State: monitor.StateMajorOutage, Incident: "Card payments down", Update: "No card payments go through.", Status: "investigating"},
		{
			File: "maintenance_in_progress.json", State: monitor.StateMaintenance,
			Maint: "Portal upgrade", InProgress: true, Starts: "2026-09-01T07:00:00Z", Ends: "2026-09-01T09:00:00Z",
		},
		{
			// The completed maintenance and the general notice are left out.
			File: "maintenance_ahead.json", State: monitor.StateOperational,
			Maint: "Bank transfer maintenance", Starts: "2026-09-12T01:00:00Z", Ends: "2026-09-12T02:00:00Z",
		},
	} {
		t.Run(tt.File, func(t *testing.T) {
			r, err := sorry.Parse(bytes.NewReader(sourcetest.ReadFile(t, filepath.Join("testdata", tt.File))))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if r.PageName != "Acme Pay" || len(r.Components) != 4 {
				t.Errorf("page %q with %d components, want Acme Pay with 4", r.PageName, len(r.Components))
			}
			tt.Check(t, r)
		})
	}
}

func TestParseComponents(t *testing.T) {
	r, err := sorry.Parse(bytes.NewReader(sourcetest.ReadFile(t, "testdata/major_outage.json")))
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
		bytes.NewReader(sourcetest.ReadFile(t, "testdata/split/page.json")),
		bytes.NewReader(sourcetest.ReadFile(t, "testdata/split/components.json")),
		bytes.NewReader(sourcetest.ReadFile(t, "testdata/split/notices.json")))
	if err != nil {
		t.Fatal(err)
	}
	whole, err := sorry.Parse(bytes.NewReader(sourcetest.ReadFile(t, "testdata/partial_outage.json")))
	if err != nil {
		t.Fatal(err)
	}
	g1, _, _ := monitor.Rollup(split, monitor.ComponentFilter{})
	g2, _, _ := monitor.Rollup(whole, monitor.ComponentFilter{})
	if g1 != g2 || len(split.Components) != len(whole.Components) || len(split.Incidents) != len(whole.Incidents) {
		t.Errorf("split: %v, %d components, %d incidents; whole: %v, %d, %d", g1, len(split.Components), len(split.Incidents), g2, len(whole.Components), len(whole.Incidents))
	}
	ins, ms, err := sorry.ParseNotices(bytes.NewReader(sourcetest.ReadFile(t, "testdata/split/notices.json")))
	if err != nil || len(ins) != 1 || len(ms) != 0 || ins[0].Impact != monitor.StatePartialOutage {
		t.Errorf("ParseNotices = %+v, %+v, %v; want one partial outage", ins, ms, err)
	}
}

func TestParseRejects(t *testing.T) {
	sourcetest.Rejects(t, sorry.Parse, map[string]string{
		"statuspage shape": `{"page":{"id":"x"},"status":{"indicator":"none"}}`,
		"no response":      `{"count":0}`,
		"empty response":   `{"response":{}}`,
		"list response":    `{"response":[{"id":"x"}]}`,
	})
}

// TestCheckPrivateLists: a page that keeps its notices to itself is still read.
func TestCheckPrivateLists(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/pages/9f3a1c2e":
			w.Write(sourcetest.ReadFile(t, "testdata/split/page.json"))
		case "/v1/pages/9f3a1c2e/components":
			w.Write(sourcetest.ReadFile(t, "testdata/split/components.json"))
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
			page:                 sourcetest.ReadFile(t, "testdata/split/page.json"),
			page + "/components": sourcetest.ReadFile(t, "testdata/split/components.json"),
			page + "/notices":    sourcetest.ReadFile(t, "testdata/split/notices.json"),
		},
		monitor.StatePartialOutage)
}

func FuzzParse(f *testing.F) {
	sourcetest.FuzzSeeds(f, "testdata", ".json")
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := sorry.ParseAll(bytes.NewReader(b), bytes.NewReader(b), bytes.NewReader(b))
		sourcetest.CheckParsed(t, r, err)
		r, err = sorry.Parse(bytes.NewReader(b))
		sourcetest.CheckParsed(t, r, err)
		ins, ms, err := sorry.ParseNotices(bytes.NewReader(b))
		sourcetest.CheckParsed(t, monitor.Report{Incidents: ins, Maintenances: ms}, err)
	})
}
