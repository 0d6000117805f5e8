package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	_ "github.com/paywatch/paywatch/internal/fynelocale" // as main does: Fyne quiet about a C locale
	"github.com/paywatch/paywatch/monitor/demo"
)

func TestInvalidConfigNeverReplacesTheLastGoodOne(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	path := filepath.Join(t.TempDir(), "config.yaml")
	good := "services:\n  - name: Acme Pay\n    url: https://status.acme.example\n    platform: statuspage\n"
	if err := os.WriteFile(path, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	cfg, notice := loadConfigForTray(path, log)
	if notice != "" || len(cfg.Services) != 1 || cfg.Services[0].Name != "Acme Pay" {
		t.Fatalf("good file: %d services, notice %q", len(cfg.Services), notice)
	}
	// The user breaks the file: the app keeps the last good settings and says so.
	if err := os.WriteFile(path, []byte("services:\n  - name: Acme Pay\n    url: ftp://nope\n    colour: red\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, notice = loadConfigForTray(path, log)
	if !strings.Contains(notice, "last good settings") || len(cfg.Services) != 1 || cfg.Services[0].URL != "https://status.acme.example" {
		t.Fatalf("broken file: services %+v, notice %q; want the last good settings and a notice", cfg.Services, notice)
	}
	// config check names every problem, and leaves the file as it is.
	var out, errOut bytes.Buffer
	if code := Run([]string{"config", "check", path}, &out, &errOut); code != 1 {
		t.Fatalf("config check exit %d, want 1", code)
	}
	for _, want := range []string{`services[1] (Acme Pay): url: "ftp://nope" must start with https://`, `unknown setting "colour"`} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("config check output lacks %q:\n%s", want, errOut.String())
		}
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "colour: red") {
		t.Error("config check changed the user's file")
	}
}

func TestCatalogCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Run([]string{"catalog", "bank", "--json"}, &out, &errOut); code != 0 {
		t.Fatalf("catalog exit %d: %s", code, errOut.String())
	}
	var entries []struct {
		ID, Name, Category, Watched string
	}
	if err := json.Unmarshal(out.Bytes(), &entries); err != nil {
		t.Fatalf("catalog --json: %v\n%s", err, out.String())
	}
	if len(entries) == 0 {
		t.Fatal("no banks in the catalog")
	}
	for _, e := range entries {
		if e.Category != "Banks" && !strings.Contains(strings.ToLower(e.Name+e.ID), "bank") {
			t.Errorf("catalog bank returned %+v", e)
		}
		if e.Watched == "" {
			t.Errorf("%s: no 'watched' text", e.ID)
		}
	}
	out.Reset()
	if code := Run([]string{"catalog", "no-such-provider-xyz"}, &out, &errOut); code != 1 || !strings.Contains(out.String(), "Nothing in the catalog matches") {
		t.Errorf("unknown query: exit %d, output %q", code, out.String())
	}
}

func TestStatusCommandExitCodesAndJSON(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	acme := demo.NewPage("acmepay00001", "Acme Pay", "Card payments", "Payouts")
	bank := demo.NewPage("northwind001", "Northwind Bank", "Online banking")
	pages := demo.NewServer(nil, acme, bank)
	var broken atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/canary":
			w.WriteHeader(http.StatusNoContent)
		case broken.Load() && strings.HasPrefix(r.URL.Path, "/northwind001"):
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html>Oops</html>"))
		default:
			pages.ServeHTTP(w, r)
		}
	}))
	defer srv.Close()
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`services:
  - {name: Acme Pay, url: %[1]s/acmepay00001, platform: statuspage}
  - {name: Northwind Bank, url: %[1]s/northwind001, platform: statuspage}
connectivity: {canaries: [%[1]s/canary]}
channels: [{name: Team, url: "generic+%[1]s/hook?token=sekrit"}]
`, srv.URL)), 0o600)

	tests := []struct {
		name    string
		set     func()
		code    int
		overall string
	}{
		{"all operational", func() {}, 0, "operational"},
		{"degraded", func() { acme.Set("Payouts", demo.Degraded) }, 1, "degraded"},
		{"maintenance", func() { acme.SetAll(demo.Operational); bank.Set("Online banking", demo.Maintenance) }, 1, "maintenance"},
		{"outage", func() { bank.Set("Online banking", demo.Major) }, 2, "major_outage"},
		{"could not tell", func() { bank.SetAll(demo.Operational); broken.Store(true) }, 3, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.set()
			var out, errOut bytes.Buffer
			code := Run([]string{"status", "--json", "--config", cfg}, &out, &errOut)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, out.String(), errOut.String())
			}
			var got map[string]any
			if err := json.Unmarshal(out.Bytes(), &got); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, out.String())
			}
			if got["overall"] != tt.overall || got["offline"] != false {
				t.Errorf("overall %v offline %v, want %s and false", got["overall"], got["offline"], tt.overall)
			}
			services := got["services"].([]any)
			first := services[0].(map[string]any)
			for _, key := range []string{"id", "name", "state", "reason", "stale", "source", "url", "checked_at", "components", "incidents", "maintenances"} {
				if _, ok := first[key]; !ok {
					t.Errorf("service JSON lacks %q: %v", key, first)
				}
			}
			if strings.Contains(out.String(), "sekrit") {
				t.Error("status --json shows the channel's token")
			}
		})
	}
	var out, errOut bytes.Buffer
	Run([]string{"status", "--config", cfg}, &out, &errOut)
	if !strings.Contains(out.String(), "The status page returned a web page instead of status data.") {
		t.Errorf("table output does not explain the unknown state:\n%s", out.String())
	}
}

// TestBadCommandLines: words a command does not take, and durations or counts of zero or less,
// get one line naming the problem and exit 64; nothing runs.
func TestBadCommandLines(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"status", "stripe"}, `paywatch status: unexpected "stripe"`},
		{[]string{"status", "--timeout", "0s"}, "paywatch status: --timeout must be more than 0"},
		{[]string{"logs", "-n", "-3"}, "paywatch logs: -n must be more than 0"},
		{[]string{"logs", "extra"}, `paywatch logs: unexpected "extra"`},
		{[]string{"run", "--headless", "now"}, `paywatch run: unexpected "now"`},
		{[]string{"config", "path", "x"}, `paywatch config path: unexpected "x"`},
		{[]string{"config", "check", "a.yaml", "b.yaml"}, `paywatch config check: unexpected "b.yaml"`},
		{[]string{"notify", "test", "--timeout", "-1s"}, "paywatch notify test: --timeout must be more than 0"},
	} {
		var out, errOut bytes.Buffer
		code := Run(tt.args, &out, &errOut)
		msg := strings.TrimSpace(errOut.String())
		if code != 64 || !strings.HasPrefix(msg, tt.want) || strings.Contains(msg, "\n") || out.Len() != 0 {
			t.Errorf("paywatch %q: exit %d, stdout %q, stderr %q; want 64 and the one line %q…", tt.args, code, out.String(), msg, tt.want)
		}
	}
}

// TestServiceInstallRefusesBadSettings: a login entry is never installed for a settings file that
// is missing or invalid; the reason is one line and nothing is written.
func TestServiceInstallRefusesBadSettings(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("services:\n  - name: X\n    url: nope\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		filepath.Join(home, "typo.yaml"): "paywatch: not installed: there is no settings file at",
		bad:                              `paywatch: not installed: ` + bad + `: line 3: services[1] (X): url: "nope" is not a web address`,
	} {
		var out, errOut bytes.Buffer
		code := Run([]string{"service", "install", "--config", path}, &out, &errOut)
		msg := strings.TrimSpace(errOut.String())
		if code != 1 || !strings.HasPrefix(msg, want) || strings.Contains(msg, "\n") {
			t.Errorf("service install --config %s: exit %d, stderr %q; want 1 and %q…", path, code, msg, want)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(home, ".config", "autostart")); len(entries) != 0 {
		t.Errorf("a login entry was written: %v", entries)
	}
}
