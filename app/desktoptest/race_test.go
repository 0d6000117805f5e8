//go:build linux

package desktoptest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/paywatch/paywatch"

// A report whose previous access has a third-party top frame (fyne.io/systray) above a
// Paywatch frame, then one with both accesses in Paywatch.
const mixedLog = `==================
WARNING: DATA RACE
Read at 0x00c00057c747 by goroutine 162:
  reflect.Value.Uint()
      /usr/local/go/src/reflect/value.go:2549 +0x9de

Previous write at 0x00c00057c747 by main goroutine:
  fyne.io/systray.argbForImage()
      /root/go/pkg/mod/fyne.io/systray@v1.12.1/systray_unix.go:444 +0xc4
  github.com/paywatch/paywatch/app.(*FyneTray).SetIcon()
      /work/main/app/tray.go:32 +0x51
==================
==================
WARNING: DATA RACE
Write at 0x00c0001 by goroutine 7:
  github.com/paywatch/paywatch/monitor.(*Watcher).Run()
      /work/main/monitor/watch.go:1 +0x1

Previous read at 0x00c0001 by goroutine 9:
  github.com/paywatch/paywatch/app.(*Desktop).render()
      /work/main/app/desktop.go:1 +0x1
==================
`

// Two reports inside godbus, one inside systray and one between them (godbus encoding the
// icon while systray writes it, called from Paywatch further down), with only runtime and
// third-party frames on top of the accesses.
const theirsLog = `==================
WARNING: DATA RACE
Read at 0x00c00049306c by goroutine 255:
  reflect.Value.Uint()
      /usr/local/go/src/reflect/value.go:2549 +0x9de
  github.com/godbus/dbus/v5.(*encoder).encode()
      /root/go/pkg/mod/github.com/godbus/dbus/v5@v5.1.0/encoder.go:113 +0x1

Previous write at 0x00c00049306c by main goroutine:
  fyne.io/systray.argbForImage()
      /root/go/pkg/mod/fyne.io/systray@v1.12.1/systray_unix.go:444 +0xc4
  github.com/paywatch/paywatch/app.(*FyneTray).SetIcon()
      /work/main/app/tray.go:32 +0x51

Goroutine 255 (running) created at:
  github.com/godbus/dbus/v5.(*Conn).inWorker()
      /root/go/pkg/mod/github.com/godbus/dbus/v5@v5.1.0/conn.go:400 +0x1
==================
==================
WARNING: DATA RACE
Write at 0x00c000a1 by goroutine 40:
  github.com/godbus/dbus/v5.(*Conn).Send()
      /root/go/pkg/mod/github.com/godbus/dbus/v5@v5.1.0/conn.go:520 +0x1

Previous read at 0x00c000a1 by goroutine 12:
  github.com/godbus/dbus/v5.(*Conn).inWorker()
      /root/go/pkg/mod/github.com/godbus/dbus/v5@v5.1.0/conn.go:400 +0x1

Goroutine 40 (running) created at:
  github.com/paywatch/paywatch/app.(*FyneTray).Run()
      /work/main/app/tray.go:10 +0x1
==================
==================
WARNING: DATA RACE
Read at 0x00c000a2 by goroutine 41:
  runtime.mapaccess1_faststr()
      /usr/local/go/src/internal/runtime/maps/runtime_swiss.go:1 +0x1
  github.com/godbus/dbus/v5.(*Conn).handleCall()
      /root/go/pkg/mod/github.com/godbus/dbus/v5@v5.1.0/export.go:1 +0x1

Previous write at 0x00c000a2 by goroutine 12:
  runtime.mapassign_faststr()
      /usr/local/go/src/internal/runtime/maps/runtime_swiss.go:1 +0x1
  github.com/godbus/dbus/v5.(*Conn).Export()
      /root/go/pkg/mod/github.com/godbus/dbus/v5@v5.1.0/export.go:2 +0x1
==================
==================
WARNING: DATA RACE
Write at 0x00c000a3 by main goroutine:
  fyne.io/systray.SetIcon()
      /root/go/pkg/mod/fyne.io/systray@v1.12.1/systray_unix.go:100 +0x1

Previous read at 0x00c000a3 by goroutine 50:
  fyne.io/systray.(*UnimplementedStatusNotifierItem).GetIconPixmap()
      /root/go/pkg/mod/fyne.io/systray@v1.12.1/systray_unix.go:200 +0x1
==================
`

func TestSplitRacesTellsOursFromTheirs(t *testing.T) {
	r := SplitRaces(mixedLog, module)
	if len(r.Ours) != 1 || !strings.Contains(r.Ours[0], "Watcher") || r.Theirs["inside fyne.io/systray"] != 1 || len(r.Theirs) != 1 {
		t.Errorf("SplitRaces(mixed) = %d ours (%q), theirs %v; want the Watcher race ours and one inside fyne.io/systray", len(r.Ours), r.Ours, r.Theirs)
	}

	r = SplitRaces(theirsLog, module)
	if len(r.Ours) != 0 {
		t.Errorf("races only in godbus and systray counted as ours: %q", r.Ours)
	}
	want := "4 data race reports in third-party code ignored: 2 inside github.com/godbus/dbus/v5; 1 between fyne.io/systray and github.com/godbus/dbus/v5; 1 inside fyne.io/systray"
	if got := r.Summary(); got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}

	// A race in the program's package main is the program's own.
	main := strings.ReplaceAll(theirsLog, "fyne.io/systray.SetIcon()", "main.main()")
	if r := SplitRaces(main, module); len(r.Ours) != 1 || !strings.Contains(r.Ours[0], "main.main()") {
		t.Errorf("a race in package main gave %d ours (%q), want 1", len(r.Ours), r.Ours)
	}
	if r := SplitRaces("no races here\n", module); len(r.Ours) != 0 || r.Summary() != "" {
		t.Errorf("a log without races gave %+v, summary %q", r, r.Summary())
	}
}

// recorder is a testing.TB that records what checkRaces reports instead of failing.
type recorder struct {
	testing.TB
	errors, logs []string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Errorf(f string, a ...any) { r.errors = append(r.errors, fmt.Sprintf(f, a...)) }
func (r *recorder) Log(a ...any)              { r.logs = append(r.logs, fmt.Sprint(a...)) }
func (r *recorder) Logf(f string, a ...any)   { r.logs = append(r.logs, fmt.Sprintf(f, a...)) }

func TestCheckRacesReadsEveryLog(t *testing.T) {
	dir := t.TempDir()
	for name, log := range map[string]string{"race.101": mixedLog, "race.102": theirsLog, "other.txt": mixedLog} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(log), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rec := &recorder{TB: t}
	checkRaces(rec, dir, module)
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "data race in "+module) || !strings.Contains(rec.errors[0], "Watcher") {
		t.Errorf("errors %q, want the one race in Paywatch", rec.errors)
	}
	want := "desktoptest: 5 data race reports in third-party code ignored: 2 inside fyne.io/systray; 2 inside github.com/godbus/dbus/v5; 1 between fyne.io/systray and github.com/godbus/dbus/v5"
	if len(rec.logs) != 1 || rec.logs[0] != want {
		t.Errorf("logs %q, want one line %q", rec.logs, want)
	}
}

// TestWithRaceLog runs a race-built program with a race in its package main on a desktop with
// WithRaceLog: it keeps its exit status 0, its output has no report, and the desktop's cleanup
// fails the test with the report (seen here through a recorder).
func TestWithRaceLog(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program with the race detector; skipped with -short")
	}
	bin := Build(t, "./testdata/racy", "-race")
	var rec *recorder
	var out string
	t.Run("desktop", func(t *testing.T) {
		rec = &recorder{TB: t}
		d := Start(rec, WithRaceLog(t), WithoutWatcher(), WithoutNotificationServer())
		p := d.StartApp(rec, bin)
		if err := p.Wait(timeout(t, e2eTimeout)); err != nil {
			t.Errorf("racy exited with %v, want status 0 (GORACE exitcode=0)", err)
		}
		out = p.Output()
	})
	if strings.Contains(out, "DATA RACE") || !strings.Contains(out, "done 2") {
		t.Errorf("racy's output %q: want its own line and no race report", out)
	}
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "main.bump()") {
		t.Errorf("errors from the desktop's cleanup %q, want the race in racy's main.bump", rec.errors)
	}
}
