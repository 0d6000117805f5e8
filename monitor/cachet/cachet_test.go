package cachet_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/cachet"
	"github.com/paywatch/paywatch/monitor/sourcetest"
)

var pong = []byte(`{"data":"Pong!"}`)

func TestParse(t *testing.T) {
	for _, tt := range []sourcetest.Scenario{
		// A fixed incident and a completed schedule are history.
		{File: "v2/operational", State: monitor.StateOperational},
		// The hidden incident is not public and the fixed one is over.
		{File: "v2/degraded", State: monitor.StateDegraded, Incident: "Payouts delayed", Update: "Payouts are slower than usual; we know why.", Status: "identified"},
		{File: "v2/partial_outage", State: monitor.StatePartialOutage, Incident: "Some card payments fail", Update: "We are investigating failed card payments.", Status: "investigating"},
		// Payouts shows a major outage but is disabled: only Card payments counts.
		{File: "v2/major_outage", State: monitor.StateMajorOutage, Incident: "Card payments down", Update: "A fix is out; we are watching it.", Status: "watching"},
		{
			File: "v2/maintenance_in_progress", State: monitor.StateMaintenance,
			Maint: "Dashboard upgrade", InProgress: true, Starts: "2026-07-01T08:00:00Z", Ends: "2026-07-01T10:00:00Z",
		},
		{
			// Component status 5 is unknown: it neither hides nor raises anything.
			File: "v2/maintenance_ahead", State: monitor.StateOperational,
			Maint: "Network maintenance", Starts: "2026-07-08T01:00:00Z", Ends: "2026-07-08T03:00:00Z",
		},
		{File: "v3/degraded", State: monitor.StateDegraded, Incident: "Documentation slow", Update: "We are investigating slow pages.", Status: "investigating"},
		{File: "v3/partial_outage", State: monitor.StatePartialOutage, Incident: "Card payments failing for some", Update: "Identified: a bad deploy.", Status: "identified"},
		{
			File: "v3/maintenance_in_progress", State: monitor.StateMaintenance,
			Maint: "Database upgrade", InProgress: true, Starts: "2026-07-01T08:00:00Z", Ends: "2026-07-01T09:30:00Z",
		},
		{
			File: "v3/maintenance_ahead", State: monitor.StateOperational,
			Maint: "Router swap", Starts: "2026-07-09T22:00:00Z", Ends: "2026-07-09T23:00:00Z",
		},
	} {
		t.Run(tt.File, func(t *testing.T) {
			r, err := parseDir(t, tt.File)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tt.Check(t, r)
		})
	}
}

func TestParseDetails(t *testing.T) {
	r, err := parseDir(t, "v2/major_outage")
	if err != nil {
		t.Fatal(err)
	}
	want := []monitor.Component{
		{ID: "1", Name: "Card payments", State: monitor.StateMajorOutage},
		{ID: "3", Name: "Merchant dashboard", State: monitor.StateOperational},
	}
	if len(r.Components) != len(want) || r.Components[0] != want[0] || r.Components[1] != want[1] {
		t.Errorf("components = %+v, want %+v", r.Components, want)
	}
	// The incident takes its impact from the component it names.
	if in := r.Incidents[0]; in.Impact != monitor.StateMajorOutage || in.ID != "14" {
		t.Errorf("incident %q impact = %v, want major_outage", in.ID, in.Impact)
	}
	if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{Include: []string{"Merchant dashboard"}}); got != monitor.StateOperational {
		t.Errorf("Rollup filtered to the dashboard = %v, want operational", got)
	}
	// v3 rows: ids as strings, times as {human, string}.
	r3, err := parseDir(t, "v3/partial_outage")
	if err != nil {
		t.Fatal(err)
	}
	if in := r3.Incidents[0]; !in.CreatedAt.Equal(sourcetest.MustTime(t, "2026-07-01T08:00:00Z")) || in.Impact != monitor.StatePartialOutage {
		t.Errorf("v3 incident = %+v, want created 08:00 UTC with a partial outage from component 1", in)
	}
}

// TestParseScheduledIncident covers 2.x pages from before schedules: status 0 is a maintenance.
func TestParseScheduledIncident(t *testing.T) {
	ins, ms, err := cachet.ParseIncidents(strings.NewReader(`{"data":[
		{"id":5,"component_id":0,"name":"Upgrade","status":0,"visible":1,"message":"Planned.","scheduled_at":"2026-07-10 01:00:00"},
		{"id":6,"component_id":0,"name":"Login slow","status":"2","visible":"1","message":"Known."}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Title != "Upgrade" || ms[0].InProgress || !ms[0].StartsAt.Equal(sourcetest.MustTime(t, "2026-07-10T01:00:00Z")) {
		t.Errorf("maintenances = %+v, want Upgrade ahead at 2026-07-10 01:00", ms)
	}
	if len(ins) != 1 || ins[0].Status != "identified" || ins[0].Impact != monitor.StateDegraded {
		t.Errorf("incidents = %+v, want one identified, degraded", ins)
	}
}

// TestParseHumanStatusFixed: a 2.x incident whose name says Fixed is over, whatever its number
// says; the number still decides when the name agrees or says nothing.
func TestParseHumanStatusFixed(t *testing.T) {
	ins, _, err := cachet.ParseIncidents(strings.NewReader(`{"data":[
		{"id":1,"component_id":0,"name":"Checkout errors","status":1,"human_status":"Fixed","visible":1,"message":"Fixed."},
		{"id":2,"component_id":0,"name":"Login slow","status":2,"human_status":"Identified","visible":1,"message":"Known."},
		{"id":3,"component_id":0,"name":"API errors","status":3,"visible":1,"message":"Watching."}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, in := range ins {
		titles = append(titles, in.Title+"/"+in.Status)
	}
	if got := strings.Join(titles, ","); got != "Login slow/identified,API errors/watching" {
		t.Errorf("incidents = %s, want the Fixed one left out", got)
	}
}

func TestParseRejects(t *testing.T) {
	for name, body := range map[string]string{
		"statuspage shape": `{"page":{"id":"x"},"components":[]}`,
		"no data":          `{"meta":{}}`,
		"ping":             `{"data":"Pong!"}`,
		"bad status":       `{"data":[{"id":1,"name":"API","status":[1]}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := cachet.ParseComponents(strings.NewReader(body))
			sourcetest.ExpectPayloadError(t, err)
		})
	}
}

func TestContractV2(t *testing.T) {
	sourcetest.Contract(t,
		func(base string, f *monitor.Fetcher) monitor.Checker { return cachet.New(base, f) },
		routes(t, "v2", "v2/partial_outage"), monitor.StatePartialOutage)
}

func TestContractV3(t *testing.T) {
	sourcetest.Contract(t,
		func(base string, f *monitor.Fetcher) monitor.Checker { return cachet.New(base, f) },
		routes(t, "v3", "v3/degraded"), monitor.StateDegraded)
}

// TestDetection checks that the version is found once, remembered, and found again when the page
// stops answering on its paths.
func TestDetection(t *testing.T) {
	var mu sync.Mutex
	served := routes(t, "v3", "v3/partial_outage")
	hits := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		b, ok := served[r.URL.Path]
		mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := cachet.New(srv.URL+"/api/v1/components", monitor.NewFetcher(monitor.FetcherOptions{Transport: tr}))

	for i := 0; i < 3; i++ {
		r, err := c.Check(t.Context())
		if err != nil {
			t.Fatalf("Check %d: %v", i, err)
		}
		if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != monitor.StatePartialOutage {
			t.Errorf("Check %d: Rollup = %v, want partial_outage", i, got)
		}
	}
	if c.Version() != cachet.V3 {
		t.Errorf("Version = %v, want 3.x", c.Version())
	}
	mu.Lock()
	if hits["/api/v1/ping"] != 1 || hits["/api/ping"] != 1 {
		t.Errorf("pings = v1 %d, v3 %d; want one each", hits["/api/v1/ping"], hits["/api/ping"])
	}
	// The page is upgraded back to 2.x paths (or replaced): the next check fails, the one after
	// finds the new version.
	served = routes(t, "v2", "v2/degraded")
	mu.Unlock()
	if _, err := c.Check(t.Context()); err == nil {
		t.Error("Check after the v3 paths vanished: no error")
	}
	r, err := c.Check(t.Context())
	if err != nil {
		t.Fatalf("Check after re-detection: %v", err)
	}
	if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != monitor.StateDegraded || c.Version() != cachet.V2 {
		t.Errorf("after re-detection: Rollup %v version %v, want degraded on 2.x", got, c.Version())
	}
}

// TestDetectionWithoutPing: a page whose ping is switched off is still found by its components.
func TestDetectionWithoutPing(t *testing.T) {
	served := routes(t, "v2", "v2/degraded")
	delete(served, "/api/v1/ping")
	delete(served, "/api/v1/schedules") // and an old 2.x without schedules
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, ok := served[r.URL.Path]; ok {
			w.Write(b)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := cachet.New(srv.URL, monitor.NewFetcher(monitor.FetcherOptions{Transport: tr}))
	r, err := c.Check(t.Context())
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != monitor.StateDegraded || c.Version() != cachet.V2 {
		t.Errorf("Rollup %v version %v, want degraded on 2.x", got, c.Version())
	}
}

func TestNotCachet(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	_, err := cachet.New(srv.URL, monitor.NewFetcher(monitor.FetcherOptions{Transport: tr})).Check(t.Context())
	if got, want := monitor.Reason(err), "the status page was not found (HTTP 404)"; got != want {
		t.Errorf("Reason = %q, want %q", got, want)
	}
}

func TestBaseURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://status.example.com":                   "https://status.example.com",
		"https://status.example.com/":                  "https://status.example.com",
		"https://status.example.com/api/v1/components": "https://status.example.com",
		"https://status.example.com/api/incidents?x=1": "https://status.example.com",
		"https://example.com/status/api/v1/ping":       "https://example.com/status",
	} {
		if got := cachet.BaseURL(in); got != want {
			t.Errorf("BaseURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSharedFixtures(t *testing.T) {
	comps := sourcetest.SharedFixture(t, "cachet__cachet-repo-docs-api-components-2015.json")
	incs := sourcetest.SharedFixture(t, "cachet__cachethq-docs-v3-incidents.json")
	r, err := cachet.Parse(bytes.NewReader(comps), bytes.NewReader(incs), nil)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	sourcetest.CheckReport(t, r)
	// One Operational and one Major Outage component; one Investigating and one Fixed incident.
	if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != monitor.StateMajorOutage {
		t.Errorf("Rollup = %v, want major_outage", got)
	}
	if len(r.Incidents) != 1 || r.Incidents[0].Title != "Documentation Performance Degradation" {
		t.Errorf("incidents = %+v, want only the investigating one", r.Incidents)
	}
}

func FuzzParse(f *testing.F) {
	sourcetest.FuzzSeeds(f, "testdata", ".json")
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := cachet.Parse(bytes.NewReader(b), bytes.NewReader(b), bytes.NewReader(b))
		sourcetest.CheckParsed(t, r, err)
	})
}

// routes serves a scenario directory on a version's paths, with its ping.
func routes(t testing.TB, version, dir string) map[string][]byte {
	t.Helper()
	prefix := "/api/v1"
	if version == "v3" {
		prefix = "/api"
	}
	return map[string][]byte{
		prefix + "/ping":       pong,
		prefix + "/components": sourcetest.ReadFile(t, filepath.Join("testdata", dir, "components.json")),
		prefix + "/incidents":  sourcetest.ReadFile(t, filepath.Join("testdata", dir, "incidents.json")),
		prefix + "/schedules":  sourcetest.ReadFile(t, filepath.Join("testdata", dir, "schedules.json")),
	}
}

func parseDir(t testing.TB, dir string) (monitor.Report, error) {
	t.Helper()
	open := func(name string) io.Reader {
		return bytes.NewReader(sourcetest.ReadFile(t, filepath.Join("testdata", dir, name)))
	}
	return cachet.Parse(open("components.json"), open("incidents.json"), open("schedules.json"))
}
