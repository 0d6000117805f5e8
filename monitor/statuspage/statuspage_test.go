package statuspage_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/sourcetest"
	"github.com/paywatch/paywatch/monitor/statuspage"
)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	return sourcetest.ReadFile(t, filepath.Join("testdata", name))
}

func parseFile(t testing.TB, name string) monitor.Report {
	t.Helper()
	r, err := statuspage.Parse(bytes.NewReader(readFile(t, name)))
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return r
}

func TestParse(t *testing.T) {
	tests := []struct {
		file         string
		pageName     string
		indicator    monitor.State
		want         monitor.State // Rollup without a filter
		components   map[string]monitor.State
		incidents    []string
		maintenances []string
	}{
		{
			file: "operational.json", pageName: "Acme Payments",
			indicator: monitor.StateOperational, want: monitor.StateOperational,
			components: map[string]monitor.State{"Card payments": monitor.StateOperational, "Payouts": monitor.StateOperational, "Dashboard": monitor.StateOperational, "API": monitor.StateOperational},
		},
		{
			file: "degraded.json", pageName: "Acme Payments",
			indicator: monitor.StateDegraded, want: monitor.StateDegraded,
			components: map[string]monitor.State{"Card payments": monitor.StateDegraded, "Payouts": monitor.StateOperational, "Dashboard": monitor.StateOperational, "API": monitor.StateOperational},
			incidents:  []string{"Slower card payments in Europe"},
		},
		{
			file: "partial_outage.json", pageName: "Acme Payments",
			indicator: monitor.StatePartialOutage, want: monitor.StatePartialOutage,
			components: map[string]monitor.State{"Card payments": monitor.StateOperational, "Payouts": monitor.StatePartialOutage, "Dashboard": monitor.StateDegraded, "API": monitor.StateOperational},
			incidents:  []string{"Payouts delayed for some accounts"},
		},
		{
			file: "major_outage.json", pageName: "Acme Payments",
			indicator: monitor.StateMajorOutage, want: monitor.StateMajorOutage,
			components: map[string]monitor.State{"Card payments": monitor.StateMajorOutage, "Payouts": monitor.StateDegraded, "Dashboard": monitor.StateOperational, "API": monitor.StateMajorOutage},
			incidents:  []string{"Card payments are failing"},
		},
		{
			file: "maintenance_in_progress.json", pageName: "Acme Payments",
			indicator: monitor.StateMaintenance, want: monitor.StateMaintenance,
			components:   map[string]monitor.State{"Card payments": monitor.StateOperational, "Payouts": monitor.StateOperational, "Dashboard": monitor.StateMaintenance, "API": monitor.StateOperational},
			maintenances: []string{"Dashboard database upgrade"},
		},
		{
			file: "maintenance_ahead.json", pageName: "Acme Payments",
			indicator: monitor.StateOperational, want: monitor.StateOperational,
			components:   map[string]monitor.State{"Card payments": monitor.StateOperational, "Payouts": monitor.StateOperational, "Dashboard": monitor.StateOperational, "API": monitor.StateOperational},
			maintenances: []string{"Payout scheduling upgrade"}, // the completed one is left out
		},
		{
			file: "incidentio_compat.json", pageName: "Globex Pay",
			indicator: monitor.StateOperational, want: monitor.StateDegraded,
			components: map[string]monitor.State{"Checkout": monitor.StateOperational, "Webhooks": monitor.StateDegraded, "Login": monitor.StateOperational},
		},
		{
			file: "groups.json", pageName: "Acme Payments",
			indicator: monitor.StatePartialOutage, want: monitor.StatePartialOutage,
			components: map[string]monitor.State{"Visa": monitor.StateOperational, "Mastercard": monitor.StatePartialOutage, "American Express": monitor.StateOperational, "SEPA": monitor.StateOperational, "ACH": monitor.StateOperational, "Dashboard": monitor.StateOperational},
		},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".json"), func(t *testing.T) {
			r := parseFile(t, tt.file)
			sourcetest.CheckReport(t, r)
			if r.PageName != tt.pageName {
				t.Errorf("PageName = %q, want %q", r.PageName, tt.pageName)
			}
			if r.Indicator != tt.indicator {
				t.Errorf("Indicator = %v, want %v", r.Indicator, tt.indicator)
			}
			if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != tt.want {
				t.Errorf("Rollup = %v, want %v", got, tt.want)
			}
			got := map[string]monitor.State{}
			for _, c := range r.Components {
				got[c.Name] = c.State
			}
			if !mapsEqual(got, tt.components) {
				t.Errorf("components = %v, want %v", got, tt.components)
			}
			var titles []string
			for _, in := range r.Incidents {
				titles = append(titles, in.Title)
			}
			if !slices.Equal(titles, tt.incidents) {
				t.Errorf("incidents = %q, want %q", titles, tt.incidents)
			}
			titles = nil
			for _, m := range r.Maintenances {
				titles = append(titles, m.Title)
			}
			if !slices.Equal(titles, tt.maintenances) {
				t.Errorf("maintenances = %q, want %q", titles, tt.maintenances)
			}
		})
	}
}

func mapsEqual(a, b map[string]monitor.State) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestParseIncidentFields(t *testing.T) {
	r := parseFile(t, "partial_outage.json")
	if len(r.Incidents) != 1 {
		t.Fatalf("got %d incidents, want 1", len(r.Incidents))
	}
	in := r.Incidents[0]
	wantUpdated := time.Date(2026, 3, 10, 9, 41, 7, 512e6, time.UTC)
	tests := []struct {
		field     string
		got, want any
	}{
		{"ID", in.ID, "p4rt1al0ut4g"},
		{"Title", in.Title, "Payouts delayed for some accounts"},
		{"Impact", in.Impact, monitor.StatePartialOutage},
		{"Status", in.Status, "identified"},
		{"URL", in.URL, "https://stspg.io/p4rt1al0"},
		{"CreatedAt", in.CreatedAt, time.Date(2026, 3, 10, 8, 55, 0, 0, time.UTC)},
		{"UpdatedAt", in.UpdatedAt, wantUpdated},
		// The newest update wins even though it is not the first one listed.
		{"LatestUpdate", in.LatestUpdate, "We have identified the cause of delayed payouts and are rolling out a fix."},
		{"Components", strings.Join(in.Components, ","), "c2payo0000bb,Payouts,c3dash0000cc,Dashboard"},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			if g, ok := tt.got.(time.Time); ok {
				if !g.Equal(tt.want.(time.Time)) {
					t.Errorf("got %v, want %v", g, tt.want)
				}
				return
			}
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestParseMaintenance(t *testing.T) {
	tests := []struct {
		file           string
		wantInProgress bool
		wantStatus     string
		wantStart      time.Time
		wantEnd        time.Time
		wantComponents string
	}{
		{"maintenance_in_progress.json", true, "in_progress", time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC), time.Date(2026, 3, 10, 11, 0, 0, 0, time.UTC), "c3dash0000cc,Dashboard"},
		{"maintenance_ahead.json", false, "scheduled", time.Date(2026, 3, 14, 2, 0, 0, 0, time.UTC), time.Date(2026, 3, 14, 3, 0, 0, 0, time.UTC), "c2payo0000bb,Payouts"},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".json"), func(t *testing.T) {
			r := parseFile(t, tt.file)
			if len(r.Maintenances) != 1 {
				t.Fatalf("got %d maintenances, want 1", len(r.Maintenances))
			}
			m := r.Maintenances[0]
			if m.InProgress != tt.wantInProgress || m.Status != tt.wantStatus {
				t.Errorf("InProgress, Status = %v, %q, want %v, %q", m.InProgress, m.Status, tt.wantInProgress, tt.wantStatus)
			}
			if !m.StartsAt.Equal(tt.wantStart) || !m.EndsAt.Equal(tt.wantEnd) {
				t.Errorf("StartsAt, EndsAt = %v, %v, want %v, %v", m.StartsAt, m.EndsAt, tt.wantStart, tt.wantEnd)
			}
			if got := strings.Join(m.Components, ","); got != tt.wantComponents {
				t.Errorf("Components = %q, want %q", got, tt.wantComponents)
			}
		})
	}
}

func TestParseGroups(t *testing.T) {
	r := parseFile(t, "groups.json")
	groups := map[string]string{}
	for _, c := range r.Components {
		groups[c.Name] = c.Group
	}
	for name, want := range map[string]string{"Visa": "Card processing", "Mastercard": "Card processing", "SEPA": "Bank transfers", "Dashboard": ""} {
		if got := groups[name]; got != want {
			t.Errorf("group of %q = %q, want %q", name, got, want)
		}
	}
	for _, g := range []string{"Card processing", "Bank transfers"} {
		if _, listed := groups[g]; listed {
			t.Errorf("group container %q listed as a component; its children speak for it", g)
		}
	}
	filters := []struct {
		name    string
		include []string
		want    monitor.State
	}{
		{"card group", []string{"card processing"}, monitor.StatePartialOutage},
		{"bank group", []string{"Bank*"}, monitor.StateOperational},
		{"one member", []string{"visa"}, monitor.StateOperational},
	}
	for _, f := range filters {
		t.Run(f.name, func(t *testing.T) {
			got, _, reason := monitor.Rollup(r, monitor.ComponentFilter{Include: f.include})
			if got != f.want || reason != "" {
				t.Errorf("Rollup with include %q = %v (%q), want %v", f.include, got, reason, f.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name, body string
		wantDetail string
	}{
		{"not JSON", `<html>`, "it is not a Statuspage summary"},
		{"truncated", string(readFile(t, "degraded.json")[:700]), "it is not a Statuspage summary"},
		{"another platform", `{"result":{"status_overall":{"status_code":100}}}`, "it has no page or status section"},
		{"page without status or components", `{"page":{"id":"x","name":"X"}}`, "it has no page or status section"},
		{"status without page", `{"status":{"indicator":"none"}}`, "it has no page or status section"},
		{"unknown indicator", `{"page":{"id":"x","name":"X"},"status":{"indicator":"apocalypse"}}`, `unknown status indicator "apocalypse"`},
		{"components of the wrong type", `{"page":{"id":"x","name":"X"},"components":{"a":1}}`, "it is not a Statuspage summary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := statuspage.Parse(strings.NewReader(tt.body))
			var pe *monitor.PayloadError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v, want a *monitor.PayloadError", err)
			}
			if pe.Detail != tt.wantDetail {
				t.Errorf("Detail = %q, want %q", pe.Detail, tt.wantDetail)
			}
			if r.PageName != "" || r.Components != nil || r.Indicator != monitor.StateUnknown {
				t.Errorf("Parse returned a report with its error: %+v", r)
			}
		})
	}
}

func TestParseSubsets(t *testing.T) {
	// status.json and components.json are subsets of the summary and parse too.
	tests := []struct {
		name, body string
		want       monitor.State
	}{
		{"status.json", `{"page":{"id":"q7lfz2k0ab3x","name":"Acme"},"status":{"indicator":"minor","description":"Partially Degraded Service"}}`, monitor.StateDegraded},
		{"components.json", `{"page":{"id":"q7lfz2k0ab3x","name":"Acme"},"components":[{"id":"a","name":"API","status":"major_outage"}]}`, monitor.StateMajorOutage},
		{"summary without its page", `{"status":{"indicator":"minor","description":"Partially Degraded Service"},"components":[{"id":"a","name":"API","status":"partial_outage"}],"incidents":[]}`, monitor.StatePartialOutage},
		{"operational summary without its page", `{"status":{"indicator":"none","description":"All Systems Operational"},"components":[]}`, monitor.StateOperational},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := statuspage.Parse(strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != tt.want {
				t.Errorf("Rollup = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseIncidents(t *testing.T) {
	got, err := statuspage.ParseIncidents(bytes.NewReader(readFile(t, "incidents.json")))
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, in := range got {
		titles = append(titles, in.Title+"/"+in.Impact.String())
	}
	want := []string{"Card payments failed/major_outage", "Payout delays/partial_outage"}
	if !slices.Equal(titles, want) {
		t.Errorf("resolved incidents = %q, want %q", titles, want)
	}
	if len(got) > 0 && !got[0].ResolvedAt.Equal(time.Date(2026, 3, 9, 11, 0, 0, 0, time.UTC)) {
		t.Errorf("ResolvedAt = %v, want 2026-03-09 11:00 UTC", got[0].ResolvedAt)
	}
	if _, err := statuspage.ParseIncidents(strings.NewReader("<html>")); err == nil {
		t.Error("ParseIncidents(<html>) = nil error, want one")
	}
}

func TestComponentAndImpactStates(t *testing.T) {
	components := []struct {
		in   string
		want monitor.State
	}{
		{"operational", monitor.StateOperational},
		{"under_maintenance", monitor.StateMaintenance},
		{"degraded_performance", monitor.StateDegraded},
		{"partial_outage", monitor.StatePartialOutage},
		{"major_outage", monitor.StateMajorOutage},
		{"something_new", monitor.StateUnknown},
	}
	for _, tt := range components {
		t.Run("component "+tt.in, func(t *testing.T) {
			if got := statuspage.ComponentState(tt.in); got != tt.want {
				t.Errorf("ComponentState(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
	impacts := []struct {
		in   string
		want monitor.State
	}{
		{"none", monitor.StateOperational},
		{"minor", monitor.StateDegraded},
		{"major", monitor.StatePartialOutage},
		{"critical", monitor.StateMajorOutage},
		{"maintenance", monitor.StateMaintenance},
		{"", monitor.StateUnknown},
	}
	for _, tt := range impacts {
		t.Run("impact "+tt.in, func(t *testing.T) {
			if got := statuspage.ImpactState(tt.in); got != tt.want {
				t.Errorf("ImpactState(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestBaseURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://status.acmepay.example", "https://status.acmepay.example"},
		{"https://status.acmepay.example/", "https://status.acmepay.example"},
		{" https://status.acmepay.example/api/v2/summary.json ", "https://status.acmepay.example"},
		{"https://status.acmepay.example/api/v2/status.json", "https://status.acmepay.example"},
		{"http://127.0.0.1:8080/acmepay0demo", "http://127.0.0.1:8080/acmepay0demo"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := statuspage.BaseURL(tt.in); got != tt.want {
				t.Errorf("BaseURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
			c := statuspage.New(tt.in, nil)
			if got, want := c.SummaryURL(), tt.want+"/api/v2/summary.json"; got != want {
				t.Errorf("SummaryURL = %q, want %q", got, want)
			}
		})
	}
}

func newFetcher(t *testing.T) *monitor.Fetcher {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return monitor.NewFetcher(monitor.FetcherOptions{Transport: tr, Timeout: 5 * time.Second, UserAgent: "Paywatch test"})
}

func TestCheckerUsesConditionalRequests(t *testing.T) {
	body := readFile(t, "degraded.json")
	var full, notModified atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v2/summary.json" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", `W/"v1"`)
		if r.Header.Get("If-None-Match") == `W/"v1"` {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()

	c := statuspage.New(srv.URL+"/api/v2/summary.json", newFetcher(t))
	for i := range 3 {
		r, err := c.Check(context.Background())
		if err != nil {
			t.Fatalf("Check %d: %v", i+1, err)
		}
		if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != monitor.StateDegraded {
			t.Errorf("Check %d: Rollup = %v, want degraded", i+1, got)
		}
		if len(r.Incidents) != 1 {
			t.Errorf("Check %d: %d incidents, want 1", i+1, len(r.Incidents))
		}
	}
	if got, want := full.Load(), int32(1); got != want {
		t.Errorf("full answers = %d, want %d", got, want)
	}
	if got, want := notModified.Load(), int32(2); got != want {
		t.Errorf("304 answers = %d, want %d", got, want)
	}
}

func TestCheckerFillsPageURL(t *testing.T) {
	// incident.io pages may leave page.url empty; the checker falls back to the address it polls.
	body := []byte(`{"page":{"id":"01JQ8Z3K5M7N9P1R3T5V7X9Z1B","name":"Globex"},"status":{"indicator":"none"}}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	defer srv.Close()
	r, err := statuspage.New(srv.URL+"/", newFetcher(t)).Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.PageURL != srv.URL {
		t.Errorf("PageURL = %q, want %q", r.PageURL, srv.URL)
	}
}

func TestContract(t *testing.T) {
	tests := []struct {
		file string
		want monitor.State
	}{
		{"degraded.json", monitor.StateDegraded},
		{"incidentio_compat.json", monitor.StateDegraded},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".json"), func(t *testing.T) {
			sourcetest.Contract(t, func(base string, f *monitor.Fetcher) monitor.Checker { return statuspage.New(base, f) },
				map[string][]byte{"/api/v2/summary.json": readFile(t, tt.file)}, tt.want)
		})
	}
}

// TestCorpus parses the real payloads in ../shared/fixtures (when that folder exists) and compares
// them with the state INDEX.md says each page shows. The page's own indicator must match it; our
// rollup may be worse (a component or incident the indicator under-states) but never better.
func TestCorpus(t *testing.T) {
	_, index := sourcetest.SharedFixtures(t)
	shown := indexStates(t, index)
	sourcetest.Corpus(t, []string{"statuspage__*summary*.json", "incidentio__quotabar*.json"}, func(t *testing.T, name string, b []byte) {
		want, ok := shown[name]
		if !ok {
			t.Fatalf("INDEX.md gives no state for %s", name)
		}
		r, err := statuspage.Parse(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		sourcetest.CheckReport(t, r)
		if r.Indicator != want {
			t.Errorf("Indicator = %v, want %v (INDEX.md)", r.Indicator, want)
		}
		if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); want.Worse(got) {
			t.Errorf("Rollup = %v, better than the page's own %v", got, want)
		}
	})
}

// TestCorpusComponents reads the real /api/v2/components.json payloads: they have no page
// indicator, so the state comes from the components, and it must be the one INDEX.md gives.
// (The gh-sla-tracker components files are bare arrays cut out of such payloads, and the Heroku
// one is a vendor API Paywatch does not read; they are not documents a page serves.)
func TestCorpusComponents(t *testing.T) {
	_, index := sourcetest.SharedFixtures(t)
	shown := indexStates(t, index)
	sourcetest.Corpus(t, []string{"statuspage__atc0005-*components*.json"}, func(t *testing.T, name string, b []byte) {
		want, ok := shown[name]
		if !ok {
			t.Fatalf("INDEX.md gives no state for %s", name)
		}
		r, err := statuspage.Parse(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		sourcetest.CheckReport(t, r)
		if len(r.Components) == 0 {
			t.Fatal("no components read")
		}
		if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != want {
			t.Errorf("Rollup = %v, want %v (INDEX.md)", got, want)
		}
	})
}

// TestCorpusIncidents reads real incident records as /api/v2/incidents.json lists them (the
// gh-sla-tracker file is a selection of such records, wrapped here as the endpoint wraps them):
// the resolved ones come out, with their times and impact, and the open one does not.
func TestCorpusIncidents(t *testing.T) {
	sourcetest.Corpus(t, []string{"statuspage__gh-sla-tracker-github-incidents-*.json"}, func(t *testing.T, name string, b []byte) {
		var records []map[string]any
		if err := json.Unmarshal(b, &records); err != nil {
			t.Fatal(err)
		}
		wrapped, err := json.Marshal(map[string]any{"incidents": records})
		if err != nil {
			t.Fatal(err)
		}
		got, err := statuspage.ParseIncidents(bytes.NewReader(wrapped))
		if err != nil {
			t.Fatalf("ParseIncidents: %v", err)
		}
		open := 0
		for _, r := range records {
			if st := r["status"]; st != "resolved" && st != "postmortem" {
				open++
			}
		}
		if len(got) != len(records)-open || open != 1 {
			t.Fatalf("%d resolved incidents read from %d records (%d open), want all but the 1 open one (INDEX.md)", len(got), len(records), open)
		}
		for _, in := range got {
			if in.Title == "" || in.ResolvedAt.IsZero() || in.CreatedAt.IsZero() || in.ResolvedAt.Before(in.CreatedAt) {
				t.Errorf("resolved incident %+v lacks a title or sensible times", in)
			}
		}
	})
}

var (
	indexRow     = regexp.MustCompile("^\\| *([^ |]+\\.json) *\\|(?:[^|]*\\|){3} *([^|]*)\\|")
	boldState    = regexp.MustCompile(`^\*\*([a-z_ ]+)\*\*`)
	leadState    = regexp.MustCompile(`^(operational|maintenance|degraded|partial_outage|major_outage)\b`)
	indicatorRef = regexp.MustCompile("indicator `([a-z]+)`")
)

// indexStates reads INDEX.md's "Overall state shown" column: a state word at the start (bold or
// not), or else the page's indicator in Statuspage's words.
func indexStates(t *testing.T, index []byte) map[string]monitor.State {
	t.Helper()
	indicators := map[string]monitor.State{"none": monitor.StateOperational, "minor": monitor.StateDegraded, "major": monitor.StatePartialOutage, "critical": monitor.StateMajorOutage, "maintenance": monitor.StateMaintenance}
	out := map[string]monitor.State{}
	sc := bufio.NewScanner(bytes.NewReader(index))
	for sc.Scan() {
		m := indexRow.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		col := strings.TrimSpace(m[2])
		var word string
		if b := boldState.FindStringSubmatch(col); b != nil {
			word = b[1]
		} else if l := leadState.FindStringSubmatch(col); l != nil {
			word = l[1]
		} else if i := indicatorRef.FindStringSubmatch(col); i != nil {
			if s, ok := indicators[i[1]]; ok {
				out[m[1]] = s
			}
			continue
		}
		if s, err := monitor.ParseState(word); err == nil && word != "" {
			out[m[1]] = s
		}
	}
	return out
}

func FuzzParse(f *testing.F) {
	sourcetest.FuzzSeeds(f, "testdata", ".json")
	f.Add([]byte(`{"page":{},"components":[{"group":true,"id":"g"},{"group_id":"g","status":"major_outage"}]}`))
	f.Add([]byte(`{"page":{},"status":{"indicator":""},"incidents":[{"status":"resolved"}],"scheduled_maintenances":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := statuspage.Parse(bytes.NewReader(b))
		if err != nil {
			if monitor.Reason(err) == "" {
				t.Errorf("error %v has no reason", err)
			}
			return
		}
		inRange := func(s monitor.State) bool { return s >= monitor.StateUnknown && s <= monitor.StateMajorOutage }
		if !inRange(r.Indicator) {
			t.Errorf("Indicator %d off the scale", r.Indicator)
		}
		for _, c := range r.Components {
			if !inRange(c.State) {
				t.Errorf("component %q: state %d off the scale", c.Name, c.State)
			}
		}
		for _, in := range r.Incidents {
			if in.Status == "resolved" || in.Status == "postmortem" {
				t.Errorf("resolved incident %q listed as open", in.Title)
			}
		}
		for _, m := range r.Maintenances {
			if m.Status == "completed" {
				t.Errorf("completed maintenance %q listed", m.Title)
			}
		}
		s, _, _ := monitor.Rollup(r, monitor.ComponentFilter{})
		if !inRange(s) || s == monitor.StateUnknown {
			t.Errorf("Rollup of a parsed page = %v, want a known state", s)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	body := readFile(b, "bench_summary.json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := statuspage.Parse(bytes.NewReader(body))
		if err != nil || len(r.Components) != 25 || len(r.Incidents) != 1 {
			b.Fatalf("Parse: %d components, %d incidents, err %v", len(r.Components), len(r.Incidents), err)
		}
	}
}
