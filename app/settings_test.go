package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/paywatch/paywatch/internal/configedit"
	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/channels"
)

const settingsFile = `# mine
services:
  - catalog: amex   # the company card
  - name: Acme Pay
    url: https://status.acme-pay.example
    platform: statuspage
alerts:
  min_severity: degraded
`

func checkDoc(b []byte) error {
	_, err := monitor.ParseConfig(b)
	return err
}

type fakes struct {
	mu      sync.Mutex
	changed int
	tested  []string
	login   bool
}

func (f *fakes) deps(t *testing.T, path string) SettingsDeps {
	t.Helper()
	file, err := configedit.Open(path, checkDoc)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := monitor.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return SettingsDeps{
		File: file, Catalog: cat,
		Look: func(_ context.Context, address string) (Page, error) {
			switch address {
			case "status.globex.example", "https://status.acme-pay.example":
				name := "Globex"
				if strings.Contains(address, "acme") {
					name = "Acme Pay"
				}
				return Page{Name: name, URL: "https://" + strings.TrimPrefix(address, "https://"), Platform: "instatus", Label: "Instatus",
					State: monitor.StateOperational, Components: []string{"Card payments", "Payouts", "Dashboard"}}, nil
			}
			return Page{}, errors.New(address + " answers, but has no status page Paywatch can read")
		},
		TestChannel: func(_ context.Context, name, address string) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.tested = append(f.tested, address)
			if strings.Contains(address, "broken") {
				return errors.New("the server answered 404 Not Found")
			}
			return nil
		},
		StartAtLogin:    func() (bool, error) { f.mu.Lock(); defer f.mu.Unlock(); return f.login, nil },
		SetStartAtLogin: func(on bool) error { f.mu.Lock(); defer f.mu.Unlock(); f.login = on; return nil },
		Changed:         func() { f.mu.Lock(); f.changed++; f.mu.Unlock() },
	}
}

func newSettings(t *testing.T, content string) (*SettingsWindow, *fakes, string) {
	t.Helper()
	a := test.NewTempApp(t)
	path := filepath.Join(t.TempDir(), "config.yaml")
	if content != "" {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	f := &fakes{}
	w := NewSettingsWindow(a, f.deps(t, path))
	w.inline = true
	w.Show()
	w.wait()
	return w, f, path
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// find returns the first widget of type T under o whose text satisfies match.
func find[T fyne.CanvasObject](o fyne.CanvasObject, match func(T) bool) T {
	var zero T
	if v, ok := o.(T); ok && match(v) {
		return v
	}
	if c, ok := o.(*fyne.Container); ok {
		for _, k := range c.Objects {
			if v := find(k, match); any(v) != nil && !isZero(v) {
				return v
			}
		}
	}
	return zero
}

func isZero[T any](v T) bool { return any(v) == any(*new(T)) }

func settingsButton(o fyne.CanvasObject, prefix string) *widget.Button {
	return find(o, func(b *widget.Button) bool { return strings.HasPrefix(b.Text, prefix) })
}

func labelsIn(o fyne.CanvasObject) string {
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *widget.Label:
			if v.Visible() {
				out = append(out, v.Text)
			}
		case *widget.Button:
			out = append(out, "["+v.Text+"]")
		case *widget.Check:
			out = append(out, v.Text)
		case *fyne.Container:
			for _, k := range v.Objects {
				walk(k)
			}
		}
	}
	walk(o)
	return strings.Join(out, "\n")
}

func TestSettingsSearchAddsACatalogService(t *testing.T) {
	w, f, path := newSettings(t, settingsFile)
	test.Type(w.search, "payp")
	b := settingsButton(w.results, "Add PayPal")
	if b == nil {
		t.Fatalf("no PayPal in the results:\n%s", labelsIn(w.results))
	}
	test.Tap(b)
	got := read(t, path)
	if !strings.HasSuffix(strings.SplitN(got, "alerts:", 2)[0], "    platform: statuspage\n  - catalog: paypal\n") {
		t.Errorf("file:\n%s", got)
	}
	if !strings.Contains(got, "  - catalog: amex   # the company card\n") {
		t.Errorf("comment lost:\n%s", got)
	}
	if f.changed != 1 {
		t.Errorf("Changed called %d times, want 1", f.changed)
	}
	if !strings.Contains(labelsIn(w.services), "PayPal") {
		t.Errorf("watchlist:\n%s", labelsIn(w.services))
	}
	// Searching by category finds it too, now marked as watched.
	test.Type(w.search, "wallet")
	if !strings.Contains(labelsIn(w.results), "PayPal") {
		t.Logf("results for wallet:\n%s", labelsIn(w.results))
	}
	w.search.SetText("")
	test.Type(w.search, "zzzq")
	if !strings.Contains(labelsIn(w.results), `Nothing in Paywatch's list matches "zzzq"`) {
		t.Errorf("results:\n%s", labelsIn(w.results))
	}
}

func TestSettingsPastedAddressShowsThePageBeforeAdding(t *testing.T) {
	w, _, path := newSettings(t, settingsFile)
	test.Type(w.address, "nothing.example")
	test.Tap(w.lookBtn)
	w.wait()
	if got := w.found.Text; !strings.Contains(got, "Nothing found: nothing.example answers, but has no status page") || w.addFound.Visible() {
		t.Errorf("found %q, add visible %v", got, w.addFound.Visible())
	}
	w.address.SetText("")
	test.Type(w.address, "status.globex.example")
	test.Tap(w.lookBtn)
	w.wait()
	if got := w.found.Text; got != "Found Globex (Instatus): Operational now." {
		t.Errorf("found %q", got)
	}
	if read(t, path) != settingsFile {
		t.Fatal("the file changed before Add")
	}
	test.Tap(w.addFound)
	if got := read(t, path); !strings.Contains(got, "  - name: Globex\n    url: https://status.globex.example\n    platform: instatus\n") {
		t.Errorf("file:\n%s", got)
	}
	if !strings.Contains(labelsIn(w.services), "Globex") {
		t.Errorf("watchlist:\n%s", labelsIn(w.services))
	}
}

func TestSettingsRemoveAndSeverity(t *testing.T) {
	w, _, path := newSettings(t, settingsFile)
	row := w.services.Objects[1]
	sel := find(row, func(*widget.Select) bool { return true })
	sel.SetSelected("Major outage only")
	if got := read(t, path); !strings.Contains(got, "    platform: statuspage\n    min_severity: major_outage\n") {
		t.Errorf("file:\n%s", got)
	}
	test.Tap(settingsButton(w.services.Objects[0], "Remove"))
	got := read(t, path)
	if strings.Contains(got, "amex") || !strings.HasPrefix(got, "# mine\nservices:\n  - name: Acme Pay\n") {
		t.Errorf("file:\n%s", got)
	}
	// Removing the last service is refused in words, next to the list.
	test.Tap(settingsButton(w.services.Objects[0], "Remove"))
	if !w.servicesMsg.Visible() || !strings.Contains(w.servicesMsg.Text, "services: the list is empty") {
		t.Errorf("message %q", w.servicesMsg.Text)
	}
	if !strings.Contains(read(t, path), "Acme Pay") {
		t.Error("the last service was removed")
	}
}

func TestSettingsComponentsAreWrittenAsAFilter(t *testing.T) {
	w, _, path := newSettings(t, settingsFile)
	test.Tap(settingsButton(w.services.Objects[1], "Components…"))
	w.wait()
	box := find(w.components, func(c *widget.Check) bool { return c.Text == "Dashboard" })
	if box == nil || !box.Checked {
		t.Fatalf("components:\n%s", labelsIn(w.components))
	}
	test.Tap(box)
	test.Tap(settingsButton(w.components, "Save components"))
	if got := read(t, path); !strings.Contains(got, "    components:\n      exclude:\n        - Dashboard\n") {
		t.Errorf("file:\n%s", got)
	}
	// Ticking only one writes include.
	test.Tap(settingsButton(w.services.Objects[1], "Components…"))
	w.wait()
	for _, n := range []string{"Payouts"} {
		test.Tap(find(w.components, func(c *widget.Check) bool { return c.Text == n }))
	}
	test.Tap(settingsButton(w.components, "Save components"))
	if got := read(t, path); !strings.Contains(got, "    components:\n      include:\n        - Card payments\n") {
		t.Errorf("file:\n%s", got)
	}
}

func TestSettingsNotifications(t *testing.T) {
	w, _, path := newSettings(t, settingsFile)
	if w.minSeverity.Selected != "Degraded and worse" || !w.ahead24.Checked || !w.ahead1.Checked || w.quiet.Checked {
		t.Fatalf("shown: %q %v %v %v", w.minSeverity.Selected, w.ahead24.Checked, w.ahead1.Checked, w.quiet.Checked)
	}
	w.minSeverity.SetSelected("Partial outage and worse")
	test.Tap(w.ahead24)
	test.Tap(w.quiet)
	w.reminders.SetSelected("Every 2 hours")
	test.Tap(w.updates)
	want := "alerts:\n  min_severity: partial_outage\n  maintenance_ahead: [1h]\n  quiet_hours:\n    from: \"22:00\"\n    to: \"07:00\"\n  reminders: 2h\n  incident_updates: true\n"
	if got := read(t, path); !strings.HasSuffix(got, want) {
		t.Errorf("file:\n%s\nwant it to end with:\n%s", got, want)
	}
	// Quiet hours from and to the same time: refused, said next to them, nothing written.
	before := read(t, path)
	w.quietTo.SetSelected("22:00")
	msg := w.alertsMsg["quiet_hours"]
	if !msg.Visible() || !strings.Contains(msg.Text, "alerts.quiet_hours: from and to are the same time") {
		t.Errorf("message %q", msg.Text)
	}
	if read(t, path) != before {
		t.Error("a refused change was written")
	}
	if w.quietTo.Selected != "07:00" {
		t.Errorf("the picker shows %q, not what is saved", w.quietTo.Selected)
	}
	w.businessFrom.SetSelected("08:30")
	test.Tap(w.business)
	if got := read(t, path); !strings.Contains(got, "  business_hours:\n    days: [mon, tue, wed, thu, fri]\n    from: \"08:30\"\n    to: \"17:00\"\n") {
		t.Errorf("file:\n%s", got)
	}
	if msg.Visible() {
		t.Errorf("an old problem is still shown: %q", msg.Text)
	}
}

func TestSettingsChannels(t *testing.T) {
	w, f, path := newSettings(t, settingsFile)
	w.chanKind.SetSelected("Webhook")
	test.Type(w.chanName, "Ops")
	test.Type(w.chanURL, "https://hooks.example/broken")
	test.Tap(w.chanTest)
	w.wait()
	if !strings.HasPrefix(w.chanMsg.Text, "✗ The test message was not delivered: the server answered 404") {
		t.Errorf("message %q", w.chanMsg.Text)
	}
	if f.tested[0] != "generic+https://hooks.example/broken" {
		t.Errorf("tested %q", f.tested)
	}
	w.chanURL.SetText("")
	test.Type(w.chanURL, "https://hooks.example/hook/8f2a0c6b1d9e4f7a")
	test.Tap(w.chanAdd)
	if got := read(t, path); !strings.HasSuffix(got, "channels:\n  - name: Ops\n    url: generic+https://hooks.example/hook/8f2a0c6b1d9e4f7a\n") {
		t.Errorf("file:\n%s", got)
	}
	// Shown redacted (channels.Redact), the secret part never.
	shown := labelsIn(w.channelList)
	redacted := channels.Redact("generic+https://hooks.example/hook/8f2a0c6b1d9e4f7a")
	if strings.Contains(shown, "8f2a0c6b1d9e4f7a") || !strings.Contains(shown, "Ops — "+redacted+"\n") {
		t.Errorf("channel list shows:\n%s", shown)
	}
	test.Tap(settingsButton(w.channelList, "Send test"))
	w.wait()
	if len(f.tested) != 2 || f.tested[1] != "generic+https://hooks.example/hook/8f2a0c6b1d9e4f7a" {
		t.Errorf("tested %q", f.tested)
	}
	if !strings.Contains(labelsIn(w.channelList), "✓ Test message delivered to "+redacted+".") {
		t.Errorf("channel list shows:\n%s", labelsIn(w.channelList))
	}
	// Not a channel address: said before anything is sent.
	w.chanURL.SetText("")
	test.Type(w.chanURL, "hello")
	w.chanKind.SetSelected("Slack")
	test.Tap(w.chanTest)
	if !strings.HasPrefix(w.chanMsg.Text, "Not a channel address Paywatch can use") || len(f.tested) != 2 {
		t.Errorf("message %q, tested %q", w.chanMsg.Text, f.tested)
	}
	test.Tap(settingsButton(w.channelList, "Remove"))
	if strings.Contains(read(t, path), "channels:") {
		t.Errorf("file:\n%s", read(t, path))
	}
}

func TestChannelAddress(t *testing.T) {
	for in, want := range map[string]string{
		"https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX": "slack://hook:T00000000-B00000000-XXXXXXXXXXXXXXXXXXXXXXXX@webhook",
		"https://discord.com/api/webhooks/123/abc":                                      "discord://abc@123",
		"smtp://u:p@mail.example.com:587/?from=p@b.example&to=a@b.example":              "smtp://u:p@mail.example.com:587/?from=p@b.example&to=a@b.example",
	} {
		if got := ChannelAddress("Slack", in); got != want {
			t.Errorf("%s: got %s, want %s", in, got, want)
		}
		if err := channels.Validate([]monitor.ChannelConfig{{URL: ChannelAddress("Slack", in)}}); err != nil {
			t.Errorf("%s: %v", in, err)
		}
	}
	if got := ChannelAddress("Webhook", " https://x.example/h "); got != "generic+https://x.example/h" {
		t.Errorf("webhook: %s", got)
	}
}

func TestSettingsGeneral(t *testing.T) {
	w, f, path := newSettings(t, "")
	if w.interval.Selected != "Every minute (recommended)" {
		t.Errorf("interval %q", w.interval.Selected)
	}
	w.interval.SetSelected("Every 5 minutes")
	got := read(t, path)
	if !strings.HasPrefix(got, configedit.Header+"services:\n  - catalog: amex\n") || !strings.HasSuffix(got, "interval: 5m\n") {
		t.Errorf("file:\n%s", got)
	}
	test.Tap(w.login)
	w.wait()
	if !f.login || !w.login.Checked {
		t.Errorf("start at login: %v, box %v", f.login, w.login.Checked)
	}
}

// A file changed by hand while the window is open is read again: the window's change is made
// to it, and the hand edit is kept.
func TestSettingsHandEditIsKept(t *testing.T) {
	w, _, path := newSettings(t, settingsFile)
	byHand := strings.Replace(settingsFile, "alerts:\n", "interval: 2m # by hand\nalerts:\n", 1)
	if err := os.WriteFile(path, []byte(byHand), 0o600); err != nil {
		t.Fatal(err)
	}
	test.Tap(w.updates)
	if got := read(t, path); got != byHand+"  incident_updates: true\n" {
		t.Errorf("file:\n%s", got)
	}
	if msg := w.alertsMsg["incident_updates"]; !strings.Contains(msg.Text, "changed outside Paywatch; those changes were kept") {
		t.Errorf("message %q", msg.Text)
	}
	if w.interval.Selected != "Every 2 minutes" {
		t.Errorf("interval shows %q", w.interval.Selected)
	}
}

// An address typed into the search box is read on Enter and added on a second Enter.
func TestSettingsSearchBoxTakesAnAddress(t *testing.T) {
	w, _, path := newSettings(t, settingsFile)
	test.Type(w.search, "status.globex.example")
	if got := labelsIn(w.results); got != "Press Enter to read the status page at status.globex.example." {
		t.Errorf("results: %q", got)
	}
	enter := &fyne.KeyEvent{Name: fyne.KeyReturn}
	w.search.TypedKey(enter)
	if w.found.Text != "Found Globex (Instatus): Operational now." || read(t, path) != settingsFile {
		t.Fatalf("found %q", w.found.Text)
	}
	w.search.TypedKey(enter)
	if got := read(t, path); !strings.Contains(got, "  - name: Globex\n") {
		t.Errorf("file:\n%s", got)
	}
	if w.search.Text != "" {
		t.Errorf("search box still says %q", w.search.Text)
	}
}

// Coming back to the window after editing the file by hand shows the file as it is now.
func TestSettingsReloadShowsAHandEdit(t *testing.T) {
	w, _, path := newSettings(t, settingsFile)
	w.Reload()
	if w.fileMsg.Visible() {
		t.Errorf("a note although nothing changed: %q", w.fileMsg.Text)
	}
	os.WriteFile(path, []byte(strings.Replace(settingsFile, "min_severity: degraded", "min_severity: major_outage", 1)), 0o600)
	w.Reload()
	if w.minSeverity.Selected != "Major outage only" || !strings.Contains(w.fileMsg.Text, "changed outside Paywatch") {
		t.Errorf("shows %q, note %q", w.minSeverity.Selected, w.fileMsg.Text)
	}
}
