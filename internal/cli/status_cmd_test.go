package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// hostileTitle is an incident title as a hostile page could write it: markup, a bell, an
// escape and an OSC sequence (which retitles a terminal), a right-to-left override, and
// 102,400 characters in all.
var hostileTitle = `<a href="https://evil.example/login">Pay</a> down` + "\a\x1b[31mred\x1b]0;pwned\a\u202eesrever" +
	strings.Repeat("x", 102400)

// TestStatusCleansPageText: every field that carries page text is cleaned and capped the same
// way, in the JSON and in the table (issue 10 item 7).
func TestStatusCleansPageText(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	title, _ := json.Marshal(hostileTitle)
	summary := fmt.Sprintf(`{"page":{"id":"p","name":"Hostile","url":"https://h.example"},
"status":{"indicator":"major","description":"Major"},
"components":[{"id":"c1","name":%[1]s,"status":"major_outage","position":1}],
"incidents":[{"id":"i1","name":%[1]s,"status":"investigating","impact":"major","created_at":"2026-12-03T10:00:00Z","updated_at":"2026-12-03T10:00:00Z","components":[{"id":"c1"}],
  "incident_updates":[{"status":"investigating","body":%[1]s,"created_at":"2026-12-03T10:00:00Z","display_at":"2026-12-03T10:00:00Z"}]}],
"scheduled_maintenances":[]}`, title)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/canary":
			w.WriteHeader(http.StatusNoContent)
		case strings.HasSuffix(r.URL.Path, "/api/v2/summary.json"):
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(summary))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`services:
  - {name: Hostile, url: %[1]s/hostile01, platform: statuspage}
connectivity: {canaries: [%[1]s/canary]}
`, srv.URL)), 0o600)

	var out, errOut bytes.Buffer
	Run([]string{"status", "--json", "--config", cfg}, &out, &errOut)
	var got struct {
		Services []struct {
			Reason    string
			Sources   []struct{ Reason string }
			Incidents []struct {
				Title        string
				LatestUpdate string `json:"latest_update"`
			}
			Components []struct{ Name string }
		}
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil || len(got.Services) != 1 {
		t.Fatalf("status --json: %v\n%s%s", err, out.String(), errOut.String())
	}
	sv := got.Services[0]
	fields := map[string]string{"reason": sv.Reason}
	for i, s := range sv.Sources {
		fields[fmt.Sprintf("sources[%d].reason", i)] = s.Reason
	}
	for i, in := range sv.Incidents {
		fields[fmt.Sprintf("incidents[%d].title", i)] = in.Title
	}
	for i, c := range sv.Components {
		fields[fmt.Sprintf("components[%d].name", i)] = c.Name
	}
	if len(sv.Sources) == 0 || len(sv.Incidents) == 0 || len(sv.Components) == 0 {
		t.Fatalf("status --json lacks sources, incidents or components:\n%s", out.String())
	}
	for name, v := range fields {
		checkPageText(t, name, v, 200)
	}
	checkPageText(t, "incidents[0].latest_update", sv.Incidents[0].LatestUpdate, 1000)

	out.Reset()
	Run([]string{"status", "--config", cfg}, &out, &errOut)
	if strings.ContainsAny(out.String(), "\a\x1b\u202e<") {
		t.Errorf("table output carries raw page text:\n%q", out.String())
	}
	if n := utf8.RuneCountInString(out.String()); n > 2000 {
		t.Errorf("table output is %d characters long", n)
	}
}

func checkPageText(t *testing.T, name, v string, max int) {
	t.Helper()
	if v == "" {
		t.Errorf("%s is empty", name)
	}
	if n := utf8.RuneCountInString(v); n > max {
		t.Errorf("%s is %d characters long, want at most %d", name, n, max)
	}
	for _, r := range v {
		if unicode.IsControl(r) || r == '\u202e' || r == '<' {
			t.Errorf("%s carries %q: %.80q", name, r, v)
			break
		}
	}
}
