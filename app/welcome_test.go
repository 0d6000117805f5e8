package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/paywatch/paywatch/internal/configedit"
	"github.com/paywatch/paywatch/monitor"
)

func newWelcome(t *testing.T) (*WelcomeWindow, *fakes, string, *int) {
	t.Helper()
	a := test.NewTempApp(t)
	path := filepath.Join(t.TempDir(), "paywatch", "config.yaml")
	f := &fakes{}
	done := 0
	w := NewWelcomeWindow(a, f.deps(t, path), checkDoc, func() { done++ })
	w.inline = true
	w.Show()
	return w, f, path, &done
}

func box(w *WelcomeWindow, prefix string) *widget.Check {
	return find(w.list, func(c *widget.Check) bool { return strings.HasPrefix(c.Text, prefix) })
}

func TestWelcomeWritesWhatIsTicked(t *testing.T) {
	w, f, path, done := newWelcome(t)
	for _, id := range monitor.DefaultWatchlist {
		e, _ := w.deps.Catalog.Lookup(id)
		if b := box(w, e.Name); b == nil || !b.Checked {
			t.Fatalf("%s is not offered ticked:\n%s", e.Name, labelsIn(w.list))
		}
	}
	if !w.login.Checked {
		t.Error("start at login is not ticked by default")
	}
	test.Tap(box(w, "American Express"))
	test.Type(w.search, "paypal")
	if b := settingsButton(w.results, "PayPal"); b == nil || !b.Disabled() {
		t.Errorf("PayPal is offered although it is ticked:\n%s", labelsIn(w.results))
	}
	w.search.SetText("")
	test.Type(w.search, "klarna")
	if b := settingsButton(w.results, "Add Klarna"); b != nil {
		test.Tap(b)
	} else {
		t.Fatalf("no Klarna:\n%s", labelsIn(w.results))
	}
	test.Type(w.address, "status.globex.example")
	test.Tap(w.lookBtn)
	w.wait()
	if w.found.Text != "Found Globex (Instatus): Operational now." {
		t.Errorf("found %q", w.found.Text)
	}
	test.Tap(w.addFound)
	if _, err := os.Stat(path); err == nil {
		t.Fatal("the file was written before Done")
	}
	test.Tap(w.doneBtn)
	w.wait()
	want := configedit.Header + "services:\n  - catalog: visa\n  - catalog: mastercard\n  - catalog: paypal\n  - catalog: stripe\n  - catalog: square\n  - catalog: klarna\n" +
		"  - name: Globex\n    url: https://status.globex.example\n    platform: instatus\n"
	if got := read(t, path); got != want {
		t.Errorf("file:\n%s\nwant:\n%s", got, want)
	}
	if *done != 1 || !f.login {
		t.Errorf("done %d, start at login %v", *done, f.login)
	}
	// Closing afterwards does not finish twice.
	w.close()
	if *done != 1 {
		t.Errorf("done %d", *done)
	}
}

func TestWelcomeNeedsAService(t *testing.T) {
	w, _, path, done := newWelcome(t)
	for _, c := range w.chosen {
		c.box.SetChecked(false)
	}
	test.Tap(w.login)
	test.Tap(w.doneBtn)
	if w.msg.Text != "Tick at least one service to watch." || *done != 0 {
		t.Errorf("message %q, done %d", w.msg.Text, *done)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a file was written")
	}
	// Closing the window instead ends the welcome without a file: the built-in list is watched.
	w.close()
	if *done != 1 {
		t.Errorf("done %d", *done)
	}
}
