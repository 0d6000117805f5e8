package monitor_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

var update = flag.Bool("update", false, "rewrite testdata/config/bad/*.err with the current messages")

func configFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "config", dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no files in testdata/config/%s: %v", dir, err)
	}
	return files
}

// acceptAll builds a fake checker for every platform and probe, so that Resolve can be tested
// without the platform packages (which import monitor).
func acceptAll() monitor.Builders {
	fake := monitor.CheckerFunc(func(context.Context) (monitor.Report, error) { return monitor.Report{}, nil })
	return monitor.Builders{
		Page:  func(platform, url string) (monitor.Checker, error) { return fake, nil },
		Probe: func(p monitor.ProbeConfig) monitor.Checker { return fake },
	}
}

func TestGoodConfigs(t *testing.T) {
	cat, err := monitor.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range configFiles(t, "good") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			c, err := monitor.LoadConfig(path)
			if err != nil {
				t.Fatalf("LoadConfig: %v", err)
			}
			specs, err := monitor.Resolve(c, cat, acceptAll())
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if len(specs) != len(c.Services) {
				t.Errorf("Resolve gave %d services, want %d", len(specs), len(c.Services))
			}
			for _, s := range specs {
				if len(s.Targets) == 0 {
					t.Errorf("service %q has nothing to watch", s.Name)
				}
				for _, tg := range s.Targets {
					if floor := monitor.MinPublicInterval; !monitor.IsLoopback(tg.URL) && tg.Interval < floor {
						t.Errorf("%s polls every %v, below the %v floor", tg.Key(), tg.Interval, floor)
					}
				}
			}
		})
	}
}

func TestFullConfig(t *testing.T) {
	c, err := monitor.LoadConfig(filepath.Join("testdata", "config", "good", "full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	partialOutage := monitor.StatePartialOutage
	tests := []struct {
		name      string
		got, want any
	}{
		{"interval", time.Duration(c.Interval), 90 * time.Second},
		{"services", len(c.Services), 3},
		{"service id", c.Services[0].ServiceID(), "acme"},
		{"slug id", c.Services[1].ServiceID(), "northwind-bank"},
		{"include", strings.Join(c.Services[0].Components.Include, "|"), "Card payments|Payouts*"},
		{"exclude", strings.Join(c.Services[0].Components.Exclude, "|"), "Dashboard"},
		{"probe as a string", c.Services[1].Probe.URL, "https://www.northwind.example/"},
		{"probes[1].method", c.Services[2].Probes[0].Method, "HEAD"},
		{"probes[1].expect", fmt.Sprint(c.Services[2].Probes[0].Expect), "[200 302]"},
		{"probes[1].slow", time.Duration(c.Services[2].Probes[0].Slow), 3 * time.Second},
		{"probes[1].interval", time.Duration(c.Services[2].Probes[0].Interval), 10 * time.Minute},
		{"probes[2].rules", fmt.Sprint(c.Services[2].Probes[1].Rules), "[{temporarily unavailable major_outage} {Scheduled Maintenance maintenance}]"},
		{"canary as a string", c.Connectivity.Canaries[0], monitor.Canary{URL: "http://connectivitycheck.gstatic.com/generate_204"}},
		{"canary as a mapping", c.Connectivity.Canaries[1], monitor.Canary{URL: "http://detectportal.firefox.com/success.txt", Body: "success"}},
		{"min severity", *c.Alerts.MinSeverity, partialOutage},
		{"maintenance alerts", *c.Alerts.Maintenance, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

// TestBadConfigs checks the exact messages for each file in testdata/config/bad against its .err
// golden file; run with -update to rewrite them after changing a message on purpose.
func TestBadConfigs(t *testing.T) {
	for _, path := range configFiles(t, "bad") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			c, err := monitor.ParseConfig(b)
			if err == nil {
				t.Fatalf("ParseConfig accepted it: %+v", c)
			}
			if c != nil {
				t.Errorf("ParseConfig returned a config with its error")
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(path, ".yaml") + ".err"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestBadConfigs -update to write it)", err)
			}
			if got != string(want) {
				t.Errorf("messages differ from %s\ngot:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
}

func TestEveryProblemAtOnce(t *testing.T) {
	_, err := monitor.LoadConfig(filepath.Join("testdata", "config", "bad", "four_problems.yaml"))
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 4 {
		t.Fatalf("got %d lines, want 4:\n%s", len(lines), err)
	}
	prefix := filepath.Join("testdata", "config", "bad", "four_problems.yaml") + ": "
	if !strings.HasPrefix(lines[0], prefix) {
		t.Errorf("first line %q does not name the file", lines[0])
	}
	lines[0] = strings.TrimPrefix(lines[0], prefix)
	services := []string{"Acme Pay", "Northwind Bank", "Contoso Card", "Globex"}
	fields := []string{"url", "min_severity", "method", "interval"}
	named := regexp.MustCompile(`^line \d+: services\[(\d)\] \(([^)]+)\)(?:\.probe)?: ([a-z_]+): `)
	for i, l := range lines {
		m := named.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("line %d %q does not name the service and field", i+1, l)
			continue
		}
		if m[1] != fmt.Sprint(i+1) || m[2] != services[i] || m[3] != fields[i] {
			t.Errorf("line %d names services[%s] (%s) %s, want services[%d] (%s) %s", i+1, m[1], m[2], m[3], i+1, services[i], fields[i])
		}
	}
}

func TestProbeForms(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want monitor.ProbeConfig
	}{
		{name: "string", yaml: "probe: https://www.visa.example/",
			want: monitor.ProbeConfig{URL: "https://www.visa.example/"}},
		{name: "mapping", yaml: "probe:\n      url: https://www.visa.example/\n      method: HEAD\n      slow: 2s",
			want: monitor.ProbeConfig{URL: "https://www.visa.example/", Method: "HEAD", Slow: monitor.Duration(2 * time.Second)}},
		{name: "flow mapping", yaml: "probe: {url: 'https://www.visa.example/', expect: [200]}",
			want: monitor.ProbeConfig{URL: "https://www.visa.example/", Expect: []int{200}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := monitor.ParseConfig([]byte("services:\n  - name: Visa\n    " + tt.yaml + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			got := c.Services[0].Probe
			if got == nil {
				t.Fatal("no probe")
			}
			if got.URL != tt.want.URL || got.Method != tt.want.Method || got.Slow != tt.want.Slow || !slices.Equal(got.Expect, tt.want.Expect) {
				t.Errorf("probe = %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestIntervalFloors(t *testing.T) {
	tests := []struct {
		name    string
		service string
		wantErr string // "" for accepted
	}{
		{name: "public at the floor", service: "url: https://status.acme.example\n    interval: 30s"},
		{name: "public below the floor", service: "url: https://status.acme.example\n    interval: 29s",
			wantErr: "line 4: services[1] (Acme): interval: 29s is too short; the minimum for status.acme.example is 30s"},
		{name: "loopback at its floor", service: "url: http://127.0.0.1:8080/acme\n    interval: 1s"},
		{name: "localhost at its floor", service: "url: http://localhost:8080/acme\n    interval: 1s"},
		{name: "IPv6 loopback at its floor", service: "url: http://[::1]:8080/acme\n    interval: 1s"},
		{name: "loopback below its floor", service: "url: http://127.0.0.1:8080/acme\n    interval: 999ms",
			wantErr: "line 4: services[1] (Acme): interval: 999ms is too short; the minimum for 127.0.0.1 is 1s"},
		{name: "a name like loopback is public", service: "url: https://localhost.acme.example\n    interval: 1s",
			wantErr: "line 4: services[1] (Acme): interval: 1s is too short; the minimum for localhost.acme.example is 30s"},
		{name: "probe-only service", service: "probe: https://www.acme.example/\n    interval: 10s",
			wantErr: "line 4: services[1] (Acme): interval: 10s is too short; the minimum for www.acme.example is 30s"},
		{name: "probe with its own interval", service: "probe: {url: 'https://www.acme.example/', interval: 10s}",
			wantErr: "line 3: services[1] (Acme).probe: interval: 10s is too short; a website is probed at most every 5m0s"},
		{name: "probe every four minutes", service: "probe: {url: 'https://www.acme.example/', interval: 4m}",
			wantErr: "line 3: services[1] (Acme).probe: interval: 4m0s is too short; a website is probed at most every 5m0s"},
		{name: "loopback probe", service: "probe: http://127.0.0.1:9/\n    interval: 1s"},
		{name: "catalog service", service: "catalog: stripe\n    interval: 10s",
			wantErr: "line 4: services[1] (Acme): interval: 10s is too short; the minimum for stripe is 30s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := monitor.ParseConfig([]byte("services:\n  - name: Acme\n    " + tt.service + "\n"))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.wantErr {
				t.Errorf("error = %q, want %q", got, tt.wantErr)
			}
		})
	}
	if _, err := monitor.ParseConfig([]byte("interval: 29s\nservices:\n  - catalog: stripe\n")); err == nil || err.Error() != "line 1: interval: 29s is too short; the minimum is 30s" {
		t.Errorf("global interval 29s: error %v, want the 30 s floor", err)
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	_, err := monitor.LoadConfig(filepath.Join(t.TempDir(), "config.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error = %v, want one wrapping os.ErrNotExist (the app then uses the built-in list)", err)
	}
}

func TestServiceID(t *testing.T) {
	tests := []struct {
		s    monitor.ServiceConfig
		want string
	}{
		{monitor.ServiceConfig{ID: "mine", Name: "Acme Pay"}, "mine"},
		{monitor.ServiceConfig{Name: "Acme Pay (EU)"}, "acme-pay-eu"},
		{monitor.ServiceConfig{Catalog: "amex"}, "amex"},
		{monitor.ServiceConfig{Name: "  Über--Bank!! "}, "ber-bank"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.s.ServiceID(); got != tt.want {
				t.Errorf("ServiceID(%+v) = %q, want %q", tt.s, got, tt.want)
			}
		})
	}
}

func TestResolveDefaultConfig(t *testing.T) {
	cat, err := monitor.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	def := monitor.DefaultConfig()
	if errs := def.Validate(); len(errs) != 0 {
		t.Fatalf("DefaultConfig does not validate: %v", errors.Join(errs...))
	}
	specs, err := monitor.Resolve(def, cat, acceptAll())
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	if len(specs) != len(monitor.DefaultWatchlist) {
		t.Fatalf("got %d services, want %d", len(specs), len(monitor.DefaultWatchlist))
	}
	keys := map[string]bool{}
	for i, s := range specs {
		e, _ := cat.Lookup(monitor.DefaultWatchlist[i])
		if s.Name != e.Name {
			t.Errorf("service %d is %q, want %q", i+1, s.Name, e.Name)
		}
		if s.Guidance != e.Guidance || s.SupportURL != e.SupportURL {
			t.Errorf("%s: guidance and support link not taken from the catalog", s.Name)
		}
		wantTargets := len(e.Probes)
		if e.URL != "" {
			wantTargets++
		}
		if len(s.Targets) != wantTargets {
			t.Errorf("%s: %d targets, want %d", s.Name, len(s.Targets), wantTargets)
		}
		for _, tg := range s.Targets {
			if keys[tg.Key()] {
				t.Errorf("target key %q appears twice", tg.Key())
			}
			keys[tg.Key()] = true
			want := monitor.DefaultInterval
			if tg.Kind == monitor.KindProbe {
				want = monitor.DefaultProbeInterval
			}
			if tg.Interval != want || tg.Checker == nil || tg.ServiceID != s.ID {
				t.Errorf("%s: interval %v, checker %v, service %q; want %v, a checker, %q", tg.Key(), tg.Interval, tg.Checker != nil, tg.ServiceID, want, s.ID)
			}
			if tg.Kind == monitor.KindPage && (tg.Platform != e.Platform || tg.URL != e.URL) {
				t.Errorf("%s: page %s on %q, want %s on %q", tg.Key(), tg.URL, tg.Platform, e.URL, e.Platform)
			}
		}
	}
}

func TestResolve(t *testing.T) {
	cat, err := monitor.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	type target struct {
		key, platform string
		interval      time.Duration
	}
	tests := []struct {
		name    string
		cfg     string
		b       func(*monitor.Builders)
		want    []target
		wantErr string
	}{
		{name: "global interval for pages, five minutes for probes",
			cfg:  "interval: 2m\nservices:\n  - name: Acme\n    url: https://status.acme.example\n    probe: https://www.acme.example/\n",
			want: []target{{"acme/page", "statuspage", 2 * time.Minute}, {"acme/probe:www.acme.example", "probe", 5 * time.Minute}}},
		{name: "service interval covers its probes",
			cfg:  "services:\n  - name: Acme\n    probe: https://www.acme.example/\n    interval: 10m\n",
			want: []target{{"acme/probe:www.acme.example", "probe", 10 * time.Minute}}},
		{name: "probe interval wins",
			cfg:  "services:\n  - name: Acme\n    probe: {url: 'https://www.acme.example/', interval: 7m}\n    interval: 10m\n",
			want: []target{{"acme/probe:www.acme.example", "probe", 7 * time.Minute}}},
		{name: "two pages of one site are two sources",
			cfg:  "services:\n  - name: Acme\n    probes: [https://www.acme.example/login, https://www.acme.example/]\n",
			want: []target{{"acme/probe:www.acme.example", "probe", 5 * time.Minute}, {"acme/probe:www.acme.example#2", "probe", 5 * time.Minute}}},
		{name: "a quick service interval does not speed up its probes",
			cfg:  "services:\n  - name: Acme\n    url: https://status.acme.example\n    platform: statuspage\n    probe: https://www.acme.example/\n    interval: 1m\n",
			want: []target{{"acme/page", "statuspage", time.Minute}, {"acme/probe:www.acme.example", "probe", 5 * time.Minute}}},
		{name: "loopback probe follows the page interval",
			cfg:  "interval: 30s\nservices:\n  - name: Demo\n    probe: http://127.0.0.1:9/\n",
			want: []target{{"demo/probe:127.0.0.1", "probe", 30 * time.Second}}},
		{name: "detected platform",
			cfg: "services:\n  - name: Acme\n    url: https://status.acme.example\n",
			b: func(b *monitor.Builders) {
				b.Detect = func(string) (string, string, error) { return "instatus", "", nil }
			},
			want: []target{{"acme/page", "instatus", time.Minute}}},
		{name: "given platform skips detection",
			cfg: "services:\n  - name: Acme\n    url: https://status.acme.example\n    platform: cachet\n",
			b: func(b *monitor.Builders) {
				b.Detect = func(string) (string, string, error) { return "", "", errors.New("should not be called") }
			},
			want: []target{{"acme/page", "cachet", time.Minute}}},
		{name: "catalog entry with the user's own URL",
			cfg:  "services:\n  - catalog: stripe\n    url: https://status.stripe.example\n    platform: statuspage\n",
			want: []target{{"stripe/page", "statuspage", time.Minute}}},
		{name: "unknown catalog id",
			cfg:     "services:\n  - catalog: nosuchbank\n  - name: Acme\n    url: https://status.acme.example\n",
			wantErr: `services[1]: catalog: "nosuchbank" is not in the catalog (see paywatch catalog)`},
		{name: "detection fails",
			cfg: "services:\n  - name: Acme\n    url: https://status.acme.example\n",
			b: func(b *monitor.Builders) {
				b.Detect = func(string) (string, string, error) { return "", "", errors.New("no status page found there") }
			},
			wantErr: "services[1] (Acme): url: no status page found there"},
		{name: "unknown platform",
			cfg: "services:\n  - name: Northwind Bank\n    url: https://status.northwind.example\n    platform: wordpress\n",
			b: func(b *monitor.Builders) {
				b.Platforms = []string{"statuspage", "cachet"}
				b.Page = func(p, u string) (monitor.Checker, error) { return nil, errors.New("should not be called") }
			},
			wantErr: `services[1] (Northwind Bank): platform: "wordpress" is not one Paywatch knows (statuspage, cachet)`},
		{name: "platform not built",
			cfg: "services:\n  - name: Acme\n    url: https://status.acme.example\n    platform: sorry\n",
			b: func(b *monitor.Builders) {
				b.Page = func(p, u string) (monitor.Checker, error) {
					return nil, fmt.Errorf("platform %q is not supported yet", p)
				}
			},
			wantErr: `services[1] (Acme): platform "sorry" is not supported yet`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := monitor.ParseConfig([]byte(tt.cfg))
			if err != nil {
				t.Fatal(err)
			}
			b := acceptAll()
			if tt.b != nil {
				tt.b(&b)
			}
			specs, err := monitor.Resolve(c, cat, b)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []target
			for _, s := range specs {
				for _, tg := range s.Targets {
					got = append(got, target{tg.Key(), tg.Platform, tg.Interval})
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("targets = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestCatalog(t *testing.T) {
	cat, err := monitor.LoadCatalog()
	if err != nil {
		t.Fatalf("the embedded catalog does not validate: %v", err)
	}
	if err := cat.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	for _, id := range monitor.DefaultWatchlist {
		if _, ok := cat.Lookup(id); !ok {
			t.Errorf("default watchlist entry %q is not in the catalog", id)
		}
	}
	if e, ok := cat.Lookup("  STRIPE "); !ok || e.ID != "stripe" {
		t.Errorf("Lookup(STRIPE) = %q, %v; want stripe", e.ID, ok)
	}
	if _, ok := cat.Lookup("nosuchbank"); ok {
		t.Error("Lookup(nosuchbank) found something")
	}
	if got, want := len(cat.Search("")), len(cat.Entries); got != want {
		t.Errorf("Search(\"\") = %d entries, want all %d", got, want)
	}
	for _, e := range cat.Search("card") {
		if !strings.Contains(strings.ToLower(e.ID+e.Name+e.Category), "card") {
			t.Errorf("Search(card) returned %q", e.Name)
		}
	}
}

func TestParseCatalogRejects(t *testing.T) {
	const good = "- id: acme\n  name: Acme\n  category: Processors\n  url: https://status.acme.example\n  platform: statuspage\n  guidance: Wait.\n  support_url: https://acme.example/help\n"
	tests := []struct {
		name, doc string
		want      string
	}{
		{"bad id", strings.Replace(good, "id: acme", "id: Acme Pay", 1), "catalog[1] Acme Pay: id must be lower-case letters, digits and dashes"},
		{"duplicate id", good + good, "catalog[2] acme: duplicate id"},
		{"no guidance", strings.Replace(good, "  guidance: Wait.\n", "", 1), "catalog[1] acme: name, category, guidance and support_url are required"},
		{"nothing to watch", strings.Replace(good, "  url: https://status.acme.example\n", "", 1), "catalog[1] acme: needs a status page or a probe"},
		{"credentials", strings.Replace(good, "https://status", "https://bob:pw@status", 1), `catalog[1] acme: "https://…@status.acme.example" contains a user name or password; Paywatch never sends credentials`},
		{"unknown key", good + "  colour: red\n", "field colour not found"},
		{"unknown probe key", good + "  probes:\n    - {url: 'https://www.acme.example/', metod: HEAD}\n", `unknown setting "metod"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := monitor.ParseCatalog([]byte(good)); err != nil {
				t.Fatalf("the good entry fails: %v", err)
			}
			_, err := monitor.ParseCatalog([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// A catalog entry's platform is judged like the user's own: by Resolve, against the platforms
// the builders know.
func TestResolveCatalogPlatform(t *testing.T) {
	cat, err := monitor.ParseCatalog([]byte("- id: acme\n  name: Acme\n  category: Processors\n  url: https://status.acme.example\n  platform: wordpress\n  guidance: Wait.\n  support_url: https://acme.example/help\n"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := monitor.ParseConfig([]byte("services:\n  - catalog: acme\n"))
	if err != nil {
		t.Fatal(err)
	}
	b := acceptAll()
	b.Platforms = []string{"statuspage"}
	_, err = monitor.Resolve(cfg, cat, b)
	if want := `services[1] (Acme): platform: "wordpress" is not one Paywatch knows (statuspage)`; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestResolvePollsTheDetectedEndpoint(t *testing.T) {
	cfg, err := monitor.ParseConfig([]byte("services:\n  - name: Acme\n    url: https://status.acme.example\n"))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := monitor.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	var polled string
	b := monitor.Builders{
		Page: func(platform, url string) (monitor.Checker, error) {
			polled = url
			return monitor.CheckerFunc(func(context.Context) (monitor.Report, error) { return monitor.Report{}, nil }), nil
		},
		Detect: func(string) (string, string, error) { return "feed", "https://status.acme.example/feed.atom", nil },
	}
	specs, err := monitor.Resolve(cfg, cat, b)
	if err != nil {
		t.Fatal(err)
	}
	if polled != "https://status.acme.example/feed.atom" {
		t.Errorf("checker built for %q, want the detected feed address", polled)
	}
	if tg := specs[0].Targets[0]; tg.URL != "https://status.acme.example" || tg.Platform != "feed" {
		t.Errorf("target %s on %s, want the user's address on feed", tg.URL, tg.Platform)
	}
}
