package configedit

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// handWritten is a settings file as a person writes it: comments everywhere, blank lines, a
// flow list, quoting, and settings the window does not manage (probes, connectivity).
const handWritten = `# My Paywatch settings — kept in git.

interval: 2m   # not too often

services:
  # The card we use for everything.
  - catalog: amex
  - name: Acme Pay      # our acquirer
    url: https://status.acme-pay.example
    platform: statuspage
    components:
      include: [Card payments, "Payouts"]

  - name: Shop
    probe:
      url: https://shop.example/health
      expect: [200]
  - catalog: stripe

# Only tell me about real trouble.
alerts:
  min_severity: partial_outage # not degraded
  quiet_hours:
    from: "22:00"
    to: "07:00"

connectivity:
  canaries:
    - https://canary.example/generate_204 # ours
channels:
  - name: Ops
    url: generic+https://hooks.example/paywatch
`

func lines(s string) []string { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") }

// changed returns the lines removed from before and added in after, around their common
// beginning and end.
func changed(before, after string) (removed, added []string) {
	a, b := lines(before), lines(after)
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	return a[p : len(a)-s], b[p : len(b)-s]
}

func state(s monitor.State) *monitor.State { return &s }

// TestEditsChangeOnlyTheirLines makes every edit the settings window makes to a hand-written
// file and checks that exactly the lines of the edited setting changed: every other byte,
// comments and blank lines included, is as it was.
func TestEditsChangeOnlyTheirLines(t *testing.T) {
	cases := []struct {
		name           string
		edit           Edit
		removed, added []string
	}{
		{"add catalog service", AddService(monitor.ServiceConfig{Catalog: "paypal"}), nil, []string{"  - catalog: paypal"}},
		{"add page", AddService(monitor.ServiceConfig{Name: "Globex", URL: "https://status.globex.example", Platform: "instatus"}), nil,
			[]string{"  - name: Globex", "    url: https://status.globex.example", "    platform: instatus"}},
		{"remove first service with its comment", RemoveService("amex"), []string{"  # The card we use for everything.", "  - catalog: amex"}, nil},
		{"remove middle service", RemoveService("shop"), []string{"  - name: Shop", "    probe:", "      url: https://shop.example/health", "      expect: [200]"}, nil},
		{"remove last service", RemoveService("stripe"), []string{"  - catalog: stripe"}, nil},
		{"change components", SetComponents("acme-pay", []string{"Card payments"}, nil), []string{`      include: [Card payments, "Payouts"]`}, []string{"      include: [Card payments]"}},
		{"drop components", SetComponents("acme-pay", nil, nil), []string{"    components:", `      include: [Card payments, "Payouts"]`}, nil},
		{"components on a catalog entry", SetComponents("stripe", nil, []string{"Terminal"}), nil,
			[]string{"    components:", "      exclude:", "        - Terminal"}},
		{"service min severity", SetServiceMinSeverity("acme-pay", state(monitor.StateMajorOutage)), nil, []string{"    min_severity: major_outage"}},
		{"alerts min severity keeps its comment", SetMinSeverity(state(monitor.StateDegraded)),
			[]string{"  min_severity: partial_outage # not degraded"}, []string{"  min_severity: degraded # not degraded"}},
		{"maintenance ahead 1h", SetMaintenanceAhead([]time.Duration{time.Hour}), nil, []string{"  maintenance_ahead: [1h]"}},
		{"no maintenance notices", SetMaintenanceAhead(nil), nil, []string{"  maintenance: false"}},
		{"quiet hours", SetQuietHours(&monitor.TimeWindow{From: "23:00", To: "07:00"}), []string{`    from: "22:00"`}, []string{`    from: "23:00"`}},
		{"no quiet hours", SetQuietHours(nil), []string{"  quiet_hours:", `    from: "22:00"`, `    to: "07:00"`}, nil},
		{"business hours", SetBusinessHours(&monitor.TimeWindow{Days: []string{"mon", "fri"}, From: "09:00", To: "17:30"}), nil,
			[]string{"  business_hours:", "    days: [mon, fri]", `    from: "09:00"`, `    to: "17:30"`}},
		{"reminders", SetReminders(2 * time.Hour), nil, []string{"  reminders: 2h"}},
		{"incident updates", SetIncidentUpdates(true), nil, []string{"  incident_updates: true"}},
		{"interval keeps its comment", SetInterval(5 * time.Minute), []string{"interval: 2m   # not too often"}, []string{"interval: 5m # not too often"}},
		{"add channel", AddChannel("Slack", "slack://hook:abc@webhook"), nil, []string{"  - name: Slack", "    url: slack://hook:abc@webhook"}},
		{"remove the only channel", RemoveChannel("generic+https://hooks.example/paywatch"), []string{"channels:", "  - name: Ops", "    url: generic+https://hooks.example/paywatch"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := edit([]byte(handWritten), c.edit)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := monitor.ParseConfig(out); err != nil {
				t.Fatalf("the result does not parse: %v\n%s", err, out)
			}
			removed, added := changed(handWritten, string(out))
			if strings.Join(removed, "\n") != strings.Join(c.removed, "\n") || strings.Join(added, "\n") != strings.Join(c.added, "\n") {
				t.Errorf("removed %q, added %q; want removed %q, added %q\nwhole file:\n%s", removed, added, c.removed, c.added, out)
			}
			if !strings.HasSuffix(string(out), "\n") {
				t.Error("the file lost its final newline")
			}
		})
	}
}

// The edits read back as the settings they meant.
func TestEditsMeanWhatTheySay(t *testing.T) {
	out, err := edit([]byte(handWritten),
		AddService(monitor.ServiceConfig{Catalog: "paypal"}),
		SetComponents("stripe", []string{"API"}, []string{"Terminal"}),
		SetQuietHours(&monitor.TimeWindow{Days: []string{"sat"}, From: "20:00", To: "08:00"}),
		SetMaintenanceAhead([]time.Duration{time.Hour}),
		SetReminders(time.Hour), SetIncidentUpdates(true), SetInterval(90*time.Second),
		RemoveChannel("generic+https://hooks.example/paywatch"), AddChannel("Hook", "generic+https://other.example/x"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := monitor.ParseConfig(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	last := c.Services[len(c.Services)-1]
	if last.Catalog != "paypal" {
		t.Errorf("last service %+v", last)
	}
	stripe := c.Services[len(c.Services)-2].Components
	if strings.Join(stripe.Include, ",") != "API" || strings.Join(stripe.Exclude, ",") != "Terminal" {
		t.Errorf("stripe components %+v", stripe)
	}
	q := c.Alerts.QuietHours
	if q == nil || q.From != "20:00" || q.To != "08:00" || len(q.Days) != 1 {
		t.Errorf("quiet hours %+v", q)
	}
	if len(c.Alerts.MaintenanceAhead) != 1 || time.Duration(c.Alerts.MaintenanceAhead[0]) != time.Hour {
		t.Errorf("maintenance ahead %v", c.Alerts.MaintenanceAhead)
	}
	if time.Duration(c.Alerts.Reminders) != time.Hour || !c.Alerts.IncidentUpdates || time.Duration(c.Interval) != 90*time.Second {
		t.Errorf("alerts %+v interval %v", c.Alerts, c.Interval)
	}
	if len(c.Channels) != 1 || c.Channels[0].Name != "Hook" {
		t.Errorf("channels %+v", c.Channels)
	}
	if !strings.Contains(string(out), "# Only tell me about real trouble.") || !strings.Contains(string(out), "# our acquirer") {
		t.Errorf("comments lost:\n%s", out)
	}
}

func TestFlowListGrowsIntoABlockList(t *testing.T) {
	out, err := edit([]byte("# mine\nservices: []\n"), AddService(monitor.ServiceConfig{Catalog: "visa"}))
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "# mine\nservices:\n  - catalog: visa\n" {
		t.Errorf("got:\n%s", out)
	}
}

// checkLikeConfigCheck is what the tray passes: ParseConfig with its Validate.
func checkLikeConfigCheck(b []byte) error {
	_, err := monitor.ParseConfig(b)
	return err
}

func TestApplyRefusesProblemsAndWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(handWritten), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path, checkLikeConfigCheck)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Apply(SetReminders(10*time.Minute), SetQuietHours(&monitor.TimeWindow{From: "22:00", To: "22:00"}))
	var inv *Invalid
	if !errors.As(err, &inv) {
		t.Fatalf("got %v, want the problems", err)
	}
	if got := inv.About("alerts.reminders"); len(got) != 1 || !strings.Contains(got[0], "too often") {
		t.Errorf("reminders problem: %q (all: %q)", got, inv.Problems)
	}
	if got := inv.About("alerts.quiet_hours"); len(got) != 1 || !strings.Contains(got[0], "same time") {
		t.Errorf("quiet hours problem: %q", got)
	}
	if b, _ := os.ReadFile(path); string(b) != handWritten {
		t.Error("a refused edit changed the file")
	}
}

func TestApplyWritesAtomicallyAndKeepsTheRest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(path, []byte(handWritten), 0o644)
	f, err := Open(path, checkLikeConfigCheck)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Apply(SetReminders(time.Hour)); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if _, added := changed(handWritten, string(b)); strings.Join(added, "") != "  reminders: 1h" {
		t.Errorf("added %q", added)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}

// A file changed by hand while the window is open is read again, and the window's edit is
// made to it: the hand edit is kept.
func TestHandEditWhileOpenIsReloadedNotOverwritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(path, []byte(handWritten), 0o600)
	f, err := Open(path, checkLikeConfigCheck)
	if err != nil {
		t.Fatal(err)
	}
	byHand := strings.Replace(handWritten, "  - catalog: stripe\n", "  - catalog: stripe\n  - catalog: visa # added by hand\n", 1)
	if err := os.WriteFile(path, []byte(byHand), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := f.Apply(SetIncidentUpdates(true))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Reloaded {
		t.Error("Apply did not say it read the file again")
	}
	b, _ := os.ReadFile(path)
	removed, added := changed(byHand, string(b))
	if len(removed) != 0 || strings.Join(added, "") != "  incident_updates: true" {
		t.Errorf("removed %q added %q", removed, added)
	}
	// A hand edit that removed what the window was editing is refused in words.
	os.WriteFile(path, []byte("services:\n  - catalog: visa\n"), 0o600)
	if _, err := f.Apply(RemoveService("stripe")); err == nil || !strings.Contains(err.Error(), `no service has the id "stripe"`) {
		t.Errorf("got %v", err)
	}
	if _, err := f.Apply(RemoveChannel("generic+https://hooks.example/paywatch")); err == nil || !strings.Contains(err.Error(), "no longer in the settings file") {
		t.Errorf("got %v", err)
	}
}

func TestMissingFileStartsFromTheBuiltInList(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "config.yaml")
	f, err := Open(path, checkLikeConfigCheck)
	if err != nil {
		t.Fatal(err)
	}
	if f.Exists() {
		t.Fatal("exists")
	}
	c, _ := f.Config()
	if len(c.Services) != len(monitor.DefaultWatchlist) {
		t.Errorf("config %+v", c)
	}
	if _, err := f.Apply(RemoveService("amex")); err != nil {
		t.Fatal(err)
	}
	c, err = monitor.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Services) != len(monitor.DefaultWatchlist)-1 || c.Services[0].Catalog != "visa" {
		t.Errorf("services %+v", c.Services)
	}
}

func TestCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	err := Create(path, checkLikeConfigCheck, []monitor.ServiceConfig{{Catalog: "visa"}, {Name: "Acme", URL: "https://status.acme.example", Platform: "statuspage"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	want := Header + "services:\n  - catalog: visa\n  - name: Acme\n    url: https://status.acme.example\n    platform: statuspage\n"
	if string(b) != want {
		t.Errorf("got:\n%s\nwant:\n%s", b, want)
	}
	if err := Create(path, nil, nil); err == nil {
		t.Error("Create replaced a file")
	}
	if err := Create(filepath.Join(t.TempDir(), "c.yaml"), checkLikeConfigCheck, nil); err == nil {
		t.Error("an empty watchlist was written")
	}
}

// Services written on one line each ({…}), as `paywatch detect` users often paste them: an edit
// changes that one line only.
func TestFlowItemsChangeOnTheirLine(t *testing.T) {
	src := "services:\n  - {name: A, url: https://a.example, platform: statuspage}  # mine\n  - {catalog: visa}\n"
	out, err := edit([]byte(src), SetComponents("a", nil, []string{"Dashboard"}))
	if err != nil {
		t.Fatal(err)
	}
	removed, added := changed(src, string(out))
	if len(removed) != 1 || len(added) != 1 || !strings.Contains(added[0], "components: {exclude: [Dashboard]}") || !strings.HasPrefix(added[0], "  - {name: A") || !strings.HasSuffix(added[0], "# mine") {
		t.Errorf("removed %q added %q", removed, added)
	}
	c, err := monitor.ParseConfig(out)
	if err != nil || len(c.Services[0].Components.Exclude) != 1 {
		t.Errorf("%v %+v\n%s", err, c, out)
	}
}
