package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	if code := run([]string{"config", "check", path}, &out, &errOut); code != 1 {
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
	if code := run([]string{"catalog", "bank", "--json"}, &out, &errOut); code != 0 {
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
	if code := run([]string{"catalog", "no-such-provider-xyz"}, &out, &errOut); code != 1 || !strings.Contains(out.String(), "Nothing in the catalog matches") {
		t.Errorf("unknown query: exit %d, output %q", code, out.String())
	}
}
