package demo_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/demo"
	"github.com/paywatch/paywatch/monitor/statuspage"
)

var t0 = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

func get(t *testing.T, url string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func parse(t *testing.T, b []byte) monitor.Report {
	t.Helper()
	r, err := statuspage.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("statuspage.Parse: %v\n%s", err, b)
	}
	return r
}

func rollup(r monitor.Report) monitor.State {
	s, _, _ := monitor.Rollup(r, monitor.ComponentFilter{})
	return s
}

func TestServerServesEachPage(t *testing.T) {
	story := demo.NewStory()
	srv := httptest.NewServer(demo.NewServer(func() time.Time { return t0 }, story.Pages...))
	defer srv.Close()
	for _, p := range story.Pages {
		t.Run(p.Name, func(t *testing.T) {
			resp, b := get(t, srv.URL+"/"+p.ID+"/api/v2/summary.json", nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			r := parse(t, b)
			if r.PageName != p.Name {
				t.Errorf("PageName = %q, want %q", r.PageName, p.Name)
			}
			if want := srv.URL + "/" + p.ID; r.PageURL != want {
				t.Errorf("PageURL = %q, want %q", r.PageURL, want)
			}
			if got := rollup(r); got != monitor.StateOperational {
				t.Errorf("state at start = %v, want operational", got)
			}
			if len(r.Components) < 2 {
				t.Errorf("got %d components, want the page's list", len(r.Components))
			}
		})
	}
}

func TestServerETag(t *testing.T) {
	clock := t0
	p := demo.NewPage("acmepay0demo", "Acme Pay", "Card payments", "Payouts")
	srv := httptest.NewServer(demo.NewServer(func() time.Time { return clock }, p))
	defer srv.Close()
	url := srv.URL + "/acmepay0demo/api/v2/summary.json"

	first, _ := get(t, url, nil)
	etag := first.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	clock = clock.Add(10 * time.Second) // time passes, nothing changes
	tests := []struct {
		name     string
		change   func()
		ifNone   string
		wantCode int
	}{
		{name: "unchanged page", ifNone: etag, wantCode: http.StatusNotModified},
		{name: "stale validator", ifNone: `W/"0000"`, wantCode: http.StatusOK},
		{name: "no validator", wantCode: http.StatusOK},
		{name: "changed page", change: func() { p.Set("Payouts", demo.Major) }, ifNone: etag, wantCode: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.change != nil {
				tt.change()
			}
			hdr := map[string]string{}
			if tt.ifNone != "" {
				hdr["If-None-Match"] = tt.ifNone
			}
			resp, b := get(t, url, hdr)
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.wantCode)
			}
			if tt.wantCode == http.StatusNotModified && len(b) != 0 {
				t.Errorf("304 with a %d-byte body", len(b))
			}
			if tt.wantCode == http.StatusOK {
				parse(t, b)
			}
		})
	}
}

func TestServerUnknownPaths(t *testing.T) {
	p := demo.NewPage("acmepay0demo", "Acme Pay", "Card payments")
	srv := httptest.NewServer(demo.NewServer(func() time.Time { return t0 }, p))
	defer srv.Close()
	tests := []struct {
		path     string
		wantCode int
	}{
		{"/nosuchpage1/api/v2/summary.json", http.StatusNotFound},
		{"/acmepay0demo/api/v2/status.json", http.StatusNotFound},
		{"/acmepay0demo/api/v2/summary.json/extra", http.StatusNotFound},
		{"/", http.StatusNotFound},
		{"/acmepay0demo", http.StatusOK}, // the human page
		{"/acmepay0demo/", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, _ := get(t, srv.URL+tt.path, nil)
			if resp.StatusCode != tt.wantCode {
				t.Errorf("GET %s = %d, want %d", tt.path, resp.StatusCode, tt.wantCode)
			}
		})
	}
}

func TestShortPageID(t *testing.T) {
	// Page ids are free text; a short one must still render.
	p := demo.NewPage("x", "Tiny", "API")
	p.SetIncident(&demo.Incident{Name: "Down", Impact: "critical", Status: "investigating"})
	p.SetMaintenance(&demo.Upcoming{Name: "Upgrade", Starts: t0.Add(time.Hour), End: t0.Add(2 * time.Hour)})
	p.Set("API", demo.Major)
	r := parse(t, p.Summary(t0, "http://127.0.0.1/x"))
	if got := rollup(r); got != monitor.StateMajorOutage {
		t.Errorf("state = %v, want major outage", got)
	}
}

func TestListen(t *testing.T) {
	srv := demo.NewServer(func() time.Time { return t0 }, demo.NewPage("acmepay0demo", "Acme Pay", "Card payments"))
	base, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if !monitor.IsLoopback(base) {
		t.Errorf("Listen = %q, want a loopback address", base)
	}
	resp, b := get(t, base+"/acmepay0demo/api/v2/summary.json", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.StatusCode)
	}
	parse(t, b)
}

// TestStory plays every step of the story in order and checks the state of each page after it.
func TestStory(t *testing.T) {
	story := demo.NewStory()
	type states map[string]monitor.State
	const (
		op    = monitor.StateOperational
		deg   = monitor.StateDegraded
		major = monitor.StateMajorOutage
	)
	want := []struct {
		say          string
		states       states
		incidents    map[string]string // page → open incident title
		maintenances map[string]string // page → planned maintenance
	}{
		{say: "Acme Pay: card payments slow down",
			states:    states{"Acme Pay": deg, "Northwind Bank": op, "Globex Payroll": op, "Contoso Books": op},
			incidents: map[string]string{"Acme Pay": "Slower card payments"}},
		{say: "Globex Payroll announces maintenance",
			states:       states{"Acme Pay": deg, "Northwind Bank": op, "Globex Payroll": op, "Contoso Books": op},
			incidents:    map[string]string{"Acme Pay": "Slower card payments"},
			maintenances: map[string]string{"Globex Payroll": "Payroll system upgrade"}},
		{say: "Northwind Bank: card authorisations fail",
			states:       states{"Acme Pay": deg, "Northwind Bank": major, "Globex Payroll": op, "Contoso Books": op},
			incidents:    map[string]string{"Acme Pay": "Slower card payments", "Northwind Bank": "Card payments declined"},
			maintenances: map[string]string{"Globex Payroll": "Payroll system upgrade"}},
		{say: "Acme Pay recovers",
			states:       states{"Acme Pay": op, "Northwind Bank": major, "Globex Payroll": op, "Contoso Books": op},
			incidents:    map[string]string{"Northwind Bank": "Card payments declined"},
			maintenances: map[string]string{"Globex Payroll": "Payroll system upgrade"}},
		{say: "Northwind Bank recovers",
			states:       states{"Acme Pay": op, "Northwind Bank": op, "Globex Payroll": op, "Contoso Books": op},
			maintenances: map[string]string{"Globex Payroll": "Payroll system upgrade"}},
	}
	if len(story.Steps) != len(want) {
		t.Fatalf("story has %d steps, want %d", len(story.Steps), len(want))
	}
	var last time.Duration
	for i, step := range story.Steps {
		w := want[i]
		t.Run(step.Say, func(t *testing.T) {
			if step.Say != w.say {
				t.Errorf("step %d says %q, want %q", i+1, step.Say, w.say)
			}
			// The app polls the demo every 2 s, so a step is seen up to 2 s late; steps closer
			// than the storm window plus that would fold into one "changes at once" summary.
			if i > 0 && step.At-last < monitor.StormWindow+2*time.Second {
				t.Errorf("step %d at %v, only %v after the previous step: its notification would fold with the previous one", i+1, step.At, step.At-last)
			}
			if i == len(story.Steps)-1 && step.At+monitor.StormWindow+2*time.Second > 90*time.Second {
				t.Errorf("the last step at %v notifies after the 90 s the story may take", step.At)
			}
			last = step.At
			now := t0.Add(step.At)
			step.Do(now)
			for _, p := range story.Pages {
				r := parse(t, p.Summary(now, "http://127.0.0.1:1/"+p.ID))
				if got := rollup(r); got != w.states[p.Name] {
					t.Errorf("%s: state %v, want %v", p.Name, got, w.states[p.Name])
				}
				var inc, mnt string
				if len(r.Incidents) > 0 {
					inc = r.Incidents[0].Title
				}
				if len(r.Maintenances) > 0 {
					mnt = r.Maintenances[0].Title
					if m := r.Maintenances[0]; m.InProgress || !m.StartsAt.After(now) {
						t.Errorf("%s: maintenance %+v, want one planned for later", p.Name, m)
					}
				}
				if inc != w.incidents[p.Name] {
					t.Errorf("%s: incident %q, want %q", p.Name, inc, w.incidents[p.Name])
				}
				if mnt != w.maintenances[p.Name] {
					t.Errorf("%s: maintenance %q, want %q", p.Name, mnt, w.maintenances[p.Name])
				}
			}
		})
	}
}
