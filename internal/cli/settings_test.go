//go:build !headless

package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paywatch/paywatch/internal/atomicfile"
	"github.com/paywatch/paywatch/internal/configedit"
	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/demo"
)

// The settings window checks with the same rules as `paywatch config check`: the catalog, the
// platforms and the channel addresses too, not only the file's own shape.
func TestCheckSettingsIsConfigCheck(t *testing.T) {
	for doc, want := range map[string]string{
		"services:\n  - catalog: no-such-bank\n":                                      "no-such-bank",
		"services:\n  - {name: A, url: https://a.example, platform: smoke-signals}\n": "smoke-signals",
		"services:\n  - catalog: visa\nchannels:\n  - url: nope://x\n":                "channels[1]",
		"services:\n  - catalog: visa\nalerts:\n  reminders: 1m\n":                    "alerts.reminders",
	} {
		err := checkSettings([]byte(doc))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want a problem naming %s", doc, err, want)
		}
		path := filepath.Join(t.TempDir(), "c.yaml")
		os.WriteFile(path, []byte(doc), 0o600)
		var stdout, stderr strings.Builder
		if code := cmdConfig([]string{"check", path}, &stdout, &stderr); code == 0 {
			t.Errorf("%q: config check passed what the window refuses", doc)
		}
	}
	if err := checkSettings([]byte("services:\n  - catalog: visa\n")); err != nil {
		t.Error(err)
	}
}

func TestLookPageAndTestChannel(t *testing.T) {
	acme := demo.NewPage("acmepay00001", "Acme Pay", "Card payments", "Payouts")
	pages := httptest.NewServer(demo.NewServer(nil, acme))
	defer pages.Close()
	p, err := lookPage(t.Context(), pages.URL+"/acmepay00001")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Acme Pay" || p.Platform == "" || p.State != monitor.StateOperational || !slices.Contains(p.Components, "Payouts") {
		t.Errorf("page %+v", p)
	}
	nothing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<html>hello</html>") }))
	defer nothing.Close()
	if _, err := lookPage(t.Context(), nothing.URL); err == nil {
		t.Error("a page without a status page was found")
	}

	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/broken") {
			http.Error(w, "gone", http.StatusNotFound)
		}
	}))
	defer hook.Close()
	if err := testChannel(t.Context(), "Team", "generic+"+hook.URL+"/ok"); err != nil {
		t.Errorf("working hook: %v", err)
	}
	if err := testChannel(t.Context(), "Team", "generic+"+hook.URL+"/broken"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("broken hook: %v", err)
	}
}

// A change saved by the settings window is applied without a restart: the watcher is rebuilt
// with the new settings, and the desktop hears of the new service.
func TestLiveWatchAppliesNewSettings(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	acme := demo.NewPage("acmepay00001", "Acme Pay", "Card payments")
	globex := demo.NewPage("globex000001", "Globex", "Payroll")
	pages := httptest.NewServer(demo.NewServer(nil, acme, globex))
	defer pages.Close()
	path := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(path, fmt.Appendf(nil, "# mine\nservices:\n  - {name: Acme Pay, url: %s/acmepay00001, platform: statuspage, interval: 1s}\n", pages.URL), 0o600)

	log := slog.New(slog.DiscardHandler)
	o := trayOptions{config: path}
	fetcher := newFetcher()
	base := watchOptions{log: log}
	first, _ := buildGeneration(o, base, fetcher, log)
	live := newLiveWatch(first, func() (generation, string) { return buildGeneration(o, base, fetcher, log) }, log)

	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	toDesktop := make(chan monitor.Update, 4)
	done := make(chan struct{})
	go func() { live.run(ctx, toDesktop, func(string) {}); close(done) }()
	names := func(u monitor.Update) []string {
		var out []string
		for _, s := range u.Snapshot.Services {
			out = append(out, s.Name)
		}
		return out
	}
	if u := <-toDesktop; !slices.Equal(names(u), []string{"Acme Pay"}) {
		t.Fatalf("services %v", names(u))
	}
	f, err := configedit.Open(path, checkSettings)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Apply(configedit.AddService(monitor.ServiceConfig{Name: "Globex", URL: pages.URL + "/globex000001", Platform: "statuspage"})); err != nil {
		t.Fatal(err)
	}
	live.Reload()
	for {
		select {
		case u := <-toDesktop:
			if slices.Equal(names(u), []string{"Acme Pay", "Globex"}) {
				cancel()
				<-done
				return
			}
		case <-ctx.Done():
			t.Fatal("the new service never reached the desktop")
		}
	}
}

// While the welcome window is open nothing is watched: the watch waits for Release.
func TestLiveWatchWaitsForTheWelcome(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		built := 0
		live := newLiveWatch(generation{}, func() (generation, string) { built++; return generation{}, "" }, slog.New(slog.DiscardHandler))
		live.Hold()
		ctx, cancel := context.WithCancel(t.Context())
		toDesktop := make(chan monitor.Update)
		done := make(chan struct{})
		go func() { live.run(ctx, toDesktop, func(string) {}); close(done) }()
		synctest.Wait()
		select {
		case <-done:
			t.Fatal("run returned while held")
		default:
		}
		live.Reload() // the welcome's Done asks for the settings to be read again…
		synctest.Wait()
		if built != 0 {
			t.Fatal("settings were read while held")
		}
		cancel() // …and closing the app while held ends it cleanly
		synctest.Wait()
		<-done
	})
}

func TestWelcomeOnlyOnTheFirstStart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "paywatch", "config.yaml")
	if !needsWelcome(trayOptions{}, path) {
		t.Error("no welcome without a settings file")
	}
	if needsWelcome(trayOptions{demo: true}, path) || needsWelcome(trayOptions{config: path}, path) {
		t.Error("welcome in the demo or with --config")
	}
	atomicfile.Write(welcomeDonePath(path), []byte("x"), 0o600)
	if needsWelcome(trayOptions{}, path) {
		t.Error("the welcome would open again")
	}
	os.Remove(welcomeDonePath(path))
	atomicfile.Write(path, []byte("services: [{catalog: visa}]\n"), 0o600)
	if needsWelcome(trayOptions{}, path) {
		t.Error("welcome although there are settings")
	}
}
