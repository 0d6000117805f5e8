package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/paywatch/paywatch/monitor/channels"
)

const notifyToken = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"

// notifyHook is a webhook receiver answering with status, keeping the titles it was sent.
func notifyHook(t *testing.T, status int) (*httptest.Server, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var titles []string
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			t.Errorf("webhook body %q: %v", b, err)
		}
		mu.Lock()
		titles = append(titles, m["title"])
		mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(s.Close)
	return s, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), titles...)
	}
}

func notifyConfig(t *testing.T, channelsYAML string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	body := "services:\n  - name: Acme Pay\n    url: http://127.0.0.1:9/\n" + channelsYAML
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func runNotify(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = cmdNotify(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestNotifyTestDelivers(t *testing.T) {
	hook, got := notifyHook(t, http.StatusOK)
	addr := strings.TrimPrefix(hook.URL, "http://")
	cfg := notifyConfig(t, fmt.Sprintf(`channels:
  - name: Team hook
    url: "generic+%s/hook?token=%s"
  - url: "generic+%s/other"
    min_severity: major_outage
`, hook.URL, notifyToken, hook.URL))

	code, out, errOut := runNotify(t, "test", "--config", cfg)
	if code != 0 {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	want := fmt.Sprintf("✓ Team hook (generic+http://%s): delivered\n✓ generic+http://%s: delivered\n", addr, addr)
	if out != want {
		t.Errorf("stdout =\n%s\nwant\n%s", out, want)
	}
	if strings.Contains(out+errOut, notifyToken) {
		t.Errorf("output shows the token")
	}
	if titles := got(); len(titles) != 2 || titles[0] != channels.TestTitle || titles[1] != channels.TestTitle {
		t.Errorf("webhook got %q, want two test messages (min_severity does not apply to tests)", titles)
	}
}

func TestNotifyTestReportsFailures(t *testing.T) {
	ok, _ := notifyHook(t, http.StatusOK)
	broken, _ := notifyHook(t, http.StatusInternalServerError)
	cfg := notifyConfig(t, fmt.Sprintf(`channels:
  - name: Works
    url: generic+%s/hook
  - name: Broken
    url: "generic+%s/hook?token=%s"
`, ok.URL, broken.URL, notifyToken))

	// Flags before the subcommand work too.
	code, out, _ := runNotify(t, "--config", cfg, "test")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "✓ Works (") ||
		!strings.HasPrefix(lines[1], "✗ Broken (") || !strings.HasSuffix(lines[1], strings.TrimPrefix(broken.URL, "http://")+"): the service had a problem (HTTP 500 Internal Server Error)") {
		t.Errorf("stdout =\n%s", out)
	}
	if strings.Contains(out, notifyToken) {
		t.Errorf("output shows the token")
	}
}

func TestNotifyNoChannels(t *testing.T) {
	cfg := notifyConfig(t, "")
	code, out, errOut := runNotify(t, "test", "--config", cfg)
	if code != 1 || out != "" || !strings.Contains(errOut, "No team channels are set up") || !strings.Contains(errOut, cfg) {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s\nwant 1 and a message naming %s", code, out, errOut, cfg)
	}
}

func TestNotifyBadSettings(t *testing.T) {
	cfg := notifyConfig(t, `channels:
  - url: "nope://user:`+notifyToken+`@example.com"
  - url: "slack://hook:`+notifyToken+`@webhook"
`)
	code, _, errOut := runNotify(t, "test", "--config", cfg)
	if code != 64 {
		t.Errorf("exit %d, want 64", code)
	}
	for _, want := range []string{`channels[1] (nope://example.com): url: "nope" is not a kind of channel`, "channels[2] (slack://webhook): url: not a valid slack address"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr = %s\nwant it to contain %q", errOut, want)
		}
	}
	if strings.Contains(errOut, notifyToken) {
		t.Errorf("stderr shows the token: %s", errOut)
	}
}

func TestNotifyUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"send"}, {"test", "extra"}, {"test", "--bogus"}} {
		if code, _, errOut := runNotify(t, args...); code != 64 || errOut == "" {
			t.Errorf("paywatch notify %q: exit %d, stderr %q; want 64 and a message", args, code, errOut)
		}
	}
}

// TestChannelsShownByHostOnly: paths whose secrets look like plain words or short numbers
// (Zapier's /hooks/catch/1234567/3ab9xk2/, /webhook/mysecrettoken) never show in `notify test`,
// `status --json` or their logs: a channel is its scheme and host (issue 10 item 8).
func TestChannelsShownByHostOnly(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	broken, _ := notifyHook(t, http.StatusInternalServerError)
	cfg := notifyConfig(t, fmt.Sprintf(`connectivity: {canaries: [http://127.0.0.1:9/]}
channels:
  - url: "generic+%[1]s/hooks/catch/1234567/3ab9xk2/"
  - name: Ops
    url: "generic+%[1]s/webhook/mysecrettoken"
`, broken.URL))
	secrets := []string{"1234567", "3ab9xk2", "mysecrettoken", "catch", "webhook/"}
	code, out, errOut := runNotify(t, "test", "--config", cfg)
	if code != 1 || !strings.Contains(out, "✗ generic+"+broken.URL+": ") {
		t.Errorf("notify test: exit %d\n%s%s", code, out, errOut)
	}
	var sout, serr bytes.Buffer
	Run([]string{"status", "--json", "--timeout", "5s", "--config", cfg}, &sout, &serr)
	if !strings.Contains(sout.String(), `"url": "generic+`+broken.URL+`"`) {
		t.Errorf("status --json does not list the channel by its host:\n%s", sout.String())
	}
	for _, s := range secrets {
		for what, text := range map[string]string{"notify test": out + errOut, "status --json": sout.String() + serr.String()} {
			if strings.Contains(text, s) {
				t.Errorf("%s shows %q:\n%s", what, s, text)
			}
		}
	}
}
