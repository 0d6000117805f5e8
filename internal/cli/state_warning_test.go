package cli

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paywatch/paywatch/monitor/demo"
)

// TestStatusSaysStateCannotBeSaved: when neither the alert state's folder nor its second place
// can be written (a file stands where the folders should be, which stops root too), `paywatch
// status` says so; when they can, it says nothing about it.
func TestStatusSaysStateCannotBeSaved(t *testing.T) {
	pages := demo.NewServer(nil, demo.NewPage("acmepay00001", "Acme Pay", "Card payments"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/canary" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		pages.ServeHTTP(w, r)
	}))
	defer srv.Close()
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("services:\n  - {name: Acme Pay, url: %[1]s/acmepay00001, platform: statuspage}\nconnectivity: {canaries: [%[1]s/canary]}\n", srv.URL)), 0o600)
	status := func() string {
		var out, errOut bytes.Buffer
		Run([]string{"status", "--config", cfg}, &out, &errOut)
		return out.String()
	}
	const warning = "Warning: Paywatch cannot save what it has told you (a file is in the way of its folder"

	dir := t.TempDir()
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	if out := status(); strings.Contains(out, "Warning") {
		t.Errorf("writable folders: status says\n%s", out)
	}
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, nil, 0o600)
	t.Setenv("XDG_STATE_HOME", filepath.Join(blocker, "state"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(blocker, "config"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(blocker, "cache"))
	if out := status(); !strings.Contains(out, warning) {
		t.Errorf("unwritable folders: status says\n%s\nwant %q", out, warning)
	}
}
