package stripe

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/sourcetest"
)

func parseFile(t *testing.T, name string) (monitor.Report, error) {
	t.Helper()
	return Parse(bytes.NewReader(sourcetest.ReadFile(t, filepath.Join("testdata", name))))
}

func TestParse(t *testing.T) {
	tests := []struct {
		file        string
		want        monitor.State
		title       string
		update      string
		components  map[string]monitor.State
		noIncidents bool
	}{
		{file: "operational.json", want: monitor.StateOperational, noIncidents: true,
			components: map[string]monitor.State{"API": monitor.StateOperational, "Checkout": monitor.StateOperational}},
		{file: "degraded.json", want: monitor.StateDegraded,
			title:      "Webhook deliveries are delayed",
			update:     "Webhook deliveries are delayed. We are investigating and will post an update within 30 minutes.",
			components: map[string]monitor.State{"Webhooks": monitor.StateDegraded, "API": monitor.StateOperational}},
		{file: "partial_outage.json", want: monitor.StatePartialOutage,
			title:      "Stripe Checkout is unavailable for some customers",
			update:     "Stripe Checkout is unavailable for some customers. Payments through the API are not affected.",
			components: map[string]monitor.State{"Checkout": monitor.StatePartialOutage, "Dashboard": monitor.StateDegraded, "Payment Links": monitor.StateOperational}},
		{file: "major_outage.json", want: monitor.StateMajorOutage,
			title:      "The Stripe API is returning errors for most requests",
			update:     "The Stripe API is returning errors for most requests. Our engineers are working on a fix.",
			components: map[string]monitor.State{"API": monitor.StateMajorOutage, "Webhooks": monitor.StateDegraded}},
		{file: "no_message.json", want: monitor.StateDegraded, title: "Stripe reports degraded service"},
		{file: "dot_message.json", want: monitor.StateDegraded, title: "Stripe reports degraded service", update: "."},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := parseFile(t, tt.file)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			sourcetest.CheckReport(t, r)
			if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != tt.want {
				t.Errorf("state: got %v, want %v", got, tt.want)
			}
			names := map[string]monitor.State{}
			for _, c := range r.Components {
				names[c.Name] = c.State
			}
			for name, want := range tt.components {
				if got, ok := names[name]; !ok || got != want {
					t.Errorf("component %q: got %v (listed %v), want %v", name, got, ok, want)
				}
			}
			if tt.noIncidents {
				if len(r.Incidents) != 0 {
					t.Errorf("incidents: got %d, want none", len(r.Incidents))
				}
				return
			}
			if len(r.Incidents) != 1 {
				t.Fatalf("incidents: got %d, want 1", len(r.Incidents))
			}
			in := r.Incidents[0]
			if in.Title != tt.title {
				t.Errorf("title: got %q, want %q", in.Title, tt.title)
			}
			if in.LatestUpdate != tt.update {
				t.Errorf("latest update: got %q, want %q", in.LatestUpdate, tt.update)
			}
			if in.Impact != tt.want {
				t.Errorf("impact: got %v, want %v", in.Impact, tt.want)
			}
		})
	}
}

func TestParseFilter(t *testing.T) {
	r, err := parseFile(t, "partial_outage.json")
	if err != nil {
		t.Fatal(err)
	}
	got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{Include: []string{"API"}})
	if got != monitor.StateOperational {
		t.Errorf("API only: got %v, want operational", got)
	}
	got, _, _ = monitor.Rollup(r, monitor.ComponentFilter{Include: []string{"checkout"}})
	if got != monitor.StatePartialOutage {
		t.Errorf("Checkout only: got %v, want partial_outage", got)
	}
}

func TestParseErrors(t *testing.T) {
	for _, file := range []string{"bad_largestatus.json", "no_largestatus.json"} {
		t.Run(file, func(t *testing.T) {
			_, err := parseFile(t, file)
			sourcetest.ExpectPayloadError(t, err)
			if reason := monitor.Reason(err); !strings.HasPrefix(reason, "the status page's answer could not be read: ") {
				t.Errorf("reason: got %q", reason)
			}
		})
	}
	sourcetest.Rejects(t, Parse, map[string]string{
		"array":          `[]`,
		"null status":    `{"largestatus":null}`,
		"object areas":   `{"largestatus":"up","statuses":{"api":{"status":"up"}}}`,
		"truncated":      `{"largestatus":"up","statuses":{"api":"u`,
		"number largest": `{"largestatus":3}`,
	})
}

func TestAreaName(t *testing.T) {
	for in, want := range map[string]string{
		"api": "API", "webhooks": "Webhooks", "dashboard": "Dashboard", "checkout": "Checkout",
		"payment_links": "Payment Links", "billing-portal": "Billing Portal", "terminal": "Terminal", "_": "_",
	} {
		if got := AreaName(in); got != want {
			t.Errorf("AreaName(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestBaseURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://status.stripe.com":               "https://status.stripe.com",
		"https://status.stripe.com/":              "https://status.stripe.com",
		"https://status.stripe.com/current":       "https://status.stripe.com",
		"https://status.stripe.com/current/full/": "https://status.stripe.com",
	} {
		if got := New(in, nil).URL(); got != want+"/current" {
			t.Errorf("New(%q).URL(): got %q, want %q", in, got, want+"/current")
		}
	}
}

func TestCheck(t *testing.T) {
	body := sourcetest.ReadFile(t, "testdata/degraded.json")
	var hits atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/current", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Write(body)
	})
	mux.HandleFunc("/html/current", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!doctype html><html><body>Stripe Status</body></html>"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := monitor.NewFetcher(monitor.FetcherOptions{})

	c := New(srv.URL, f)
	for i := range 2 {
		r, err := c.Check(context.Background())
		if err != nil {
			t.Fatalf("check %d: %v", i, err)
		}
		if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != monitor.StateDegraded {
			t.Errorf("check %d: got %v, want degraded", i, got)
		}
		if r.PageURL != srv.URL {
			t.Errorf("check %d: page URL %q, want %q", i, r.PageURL, srv.URL)
		}
	}
	if hits.Load() != 2 {
		t.Errorf("requests: got %d, want 2", hits.Load())
	}

	_, err := New(srv.URL+"/html", f).Check(context.Background())
	var fe *monitor.FetchError
	if !errors.As(err, &fe) || fe.Kind != monitor.ErrHTML {
		t.Errorf("HTML page: got %v, want ErrHTML", err)
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
