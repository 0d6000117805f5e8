package history

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

func TestDefaultPath(t *testing.T) {
	home := func() (string, error) { return "/home/ana", nil }
	noHome := func() (string, error) { return "", errors.New("no home") }
	for _, tc := range []struct {
		name string
		goos string
		env  map[string]string
		home func() (string, error)
		want string
	}{
		{"linux with XDG_STATE_HOME", "linux", map[string]string{"XDG_STATE_HOME": "/var/state"}, home, filepath.Join("/var/state", "paywatch", "history.db")},
		{"linux without", "linux", nil, home, filepath.Join("/home/ana", ".local", "state", "paywatch", "history.db")},
		{"linux with a relative XDG_STATE_HOME", "linux", map[string]string{"XDG_STATE_HOME": "state"}, home, filepath.Join("/home/ana", ".local", "state", "paywatch", "history.db")},
		{"freebsd", "freebsd", nil, home, filepath.Join("/home/ana", ".local", "state", "paywatch", "history.db")},
		{"macOS", "darwin", map[string]string{"XDG_STATE_HOME": "/var/state"}, home, filepath.Join("/home/ana", "Library", "Application Support", "Paywatch", "history.db")},
		{"windows", "windows", map[string]string{"LOCALAPPDATA": `C:\Users\ana\AppData\Local`}, noHome, filepath.Join(`C:\Users\ana\AppData\Local`, "Paywatch", "history.db")},
		{"windows without LOCALAPPDATA", "windows", nil, home, filepath.Join("/home/ana", "AppData", "Local", "Paywatch", "history.db")},
		{"no home", "linux", nil, noHome, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := defaultPath(tc.goos, func(k string) string { return tc.env[k] }, tc.home)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("got %q, want an error", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func tables(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		must(rows.Scan(&n))
		out = append(out, n)
	}
	return out
}

// TestPageCacheIsSmall: every connection, the writer's and each reader's, keeps a page cache
// of cacheKiB, not SQLite's 2,000 KiB (memory the tray app would hold for its life).
func TestPageCacheIsSmall(t *testing.T) {
	s := testStore(t, Options{})
	ctx := t.Context()
	var conns []*sql.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for name, db := range map[string]*sql.DB{"writer": s.w, "reader": s.r} {
		for i := range 2 { // two readers at once: each new connection is set up
			if name == "writer" && i > 0 {
				break
			}
			c, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			var size int
			if err := c.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&size); err != nil {
				t.Fatal(err)
			}
			if size != -cacheKiB {
				t.Errorf("%s connection %d: cache_size = %d, want %d (KiB)", name, i+1, size, -cacheKiB)
			}
		}
	}
}

func TestMigrations(t *testing.T) {
	t.Run("from an empty database", func(t *testing.T) {
		s := testStore(t, Options{})
		v, err := schemaVersion(context.Background(), s.w)
		if err != nil || v != len(migrations) {
			t.Fatalf("version %d, %v; want %d", v, err, len(migrations))
		}
		want := "changes gaps incident_updates incidents messages meta services"
		if got := strings.Join(tables(t, s.w), " "); got != want {
			t.Errorf("tables %q, want %q", got, want)
		}
		var mode, sync, vac string
		must(s.w.QueryRow("PRAGMA journal_mode").Scan(&mode))
		must(s.w.QueryRow("PRAGMA synchronous").Scan(&sync))
		must(s.w.QueryRow("PRAGMA auto_vacuum").Scan(&vac))
		if mode != "wal" || sync != "1" || vac != "2" {
			t.Errorf("journal_mode %s synchronous %s auto_vacuum %s; want wal, 1 (normal), 2 (incremental)", mode, sync, vac)
		}
	})
	t.Run("from the version before", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "history.db")
		db, err := sql.Open(driverName, dsn(path, ""))
		must(err)
		if err := migrate(context.Background(), db, len(migrations)-1); err != nil {
			t.Fatal(err)
		}
		_, err = db.Exec(`INSERT INTO changes (at, service, source, source_kind, from_state, to_state, reason) VALUES (1000, 'stripe', '', 'service', -1, 1, 'ok')`)
		must(err)
		must(db.Close())
		clk := newClock(at("2026-03-10T12:00:00Z"))
		s, n, err := Open(path, clk.opts(Options{}))
		if err != nil || !n.IsZero() {
			t.Fatalf("open: %v, notice %q", err, n)
		}
		defer s.Close()
		if v, _ := schemaVersion(context.Background(), s.w); v != len(migrations) {
			t.Errorf("version %d, want %d", v, len(migrations))
		}
		var count int
		must(s.w.QueryRow("SELECT count(*) FROM changes WHERE service = 'stripe'").Scan(&count))
		if count != 1 {
			t.Errorf("the old version's row is gone")
		}
		if _, err := s.w.Exec(`INSERT INTO messages (at, service, channel, outcome, title, body, state, severity, attempts, error) VALUES (1, 's', '', 'notified', 't', '', 1, 1, 0, '')`); err != nil {
			t.Errorf("the new version's table: %v", err)
		}
	})
	t.Run("from a newer Paywatch", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "history.db")
		db, err := sql.Open(driverName, dsn(path, ""))
		must(err)
		_, err = db.Exec("PRAGMA user_version = 99")
		must(err)
		must(db.Close())
		_, _, err = Open(path, Options{})
		if _, ok := errors.AsType[*NewerSchemaError](err); !ok {
			t.Fatalf("open: %v, want NewerSchemaError", err)
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("the newer database was moved: %v", err)
		}
	})
	t.Run("a failing step changes nothing", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "history.db")
		db, err := sql.Open(driverName, dsn(path, ""))
		must(err)
		defer db.Close()
		saved := migrations
		t.Cleanup(func() { migrations = saved })
		migrations = append(saved[:len(saved):len(saved)], "CREATE TABLE extra (a); CREATE TABLE changes (b);")
		err = migrate(context.Background(), db, len(migrations))
		if err == nil {
			t.Fatal("want an error")
		}
		if v, _ := schemaVersion(context.Background(), db); v != len(saved) {
			t.Errorf("version %d after a failed step, want %d", v, len(saved))
		}
		for _, n := range tables(t, db) {
			if n == "extra" {
				t.Error("the failed step's table is there")
			}
		}
	})
}

func TestUnusableDatabaseMovedAside(t *testing.T) {
	damaged := func(t *testing.T, path string) {
		clk := newClock(at("2026-03-10T07:00:00Z"))
		s, _, err := Open(path, clk.opts(Options{Heartbeat: time.Hour}))
		must(err)
		stop := running(t, s)
		w := &world{clock: clk, services: []monitor.ServiceStatus{{ID: "stripe", Name: "Stripe", Sources: []monitor.SourceStatus{page(monitor.StateOperational, "")}}}}
		for i := range 400 {
			clk.add(time.Minute)
			st := monitor.StateOperational
			if i%2 == 1 {
				st = monitor.StateDegraded
			}
			w.set("stripe", st, strings.Repeat("some reason ", 20))
			s.Record(w.update())
			if i%100 == 0 {
				flush(t, s)
			}
		}
		flush(t, s)
		stop()
		must(s.Close())
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		must(err)
		fi, _ := f.Stat()
		junk := []byte(strings.Repeat("\xde\xad\xbe\xef", 1024))
		for off := int64(4096 * 2); off < fi.Size(); off += 4096 * 3 {
			_, err = f.WriteAt(junk, off)
			must(err)
		}
		must(f.Close())
	}
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, path string)
	}{
		{"not a database", func(t *testing.T, path string) {
			must(os.WriteFile(path, []byte(strings.Repeat("this is not a database\n", 500)), 0o600))
		}},
		{"damaged pages", damaged},
		{"a folder in its place", func(t *testing.T, path string) { must(os.Mkdir(path, 0o700)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "history.db")
			tc.prepare(t, path)
			when := at("2026-03-10T12:00:00Z")
			s, n, err := Open(path, Options{Now: func() time.Time { return when }})
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer s.Close()
			moved := path + ".corrupt-20260310T120000Z"
			if n.MovedTo != moved || !n.At.Equal(when) || n.Reason == "" {
				t.Errorf("notice %+v, want the file moved to %s", n, moved)
			}
			if !strings.Contains(n.String(), moved) || !strings.Contains(n.String(), "new history") {
				t.Errorf("notice text %q", n)
			}
			if _, err := os.Stat(moved); err != nil {
				t.Errorf("the old file is not kept: %v", err)
			}
			if st := s.Status(); st.Notice != n {
				t.Errorf("status notice %+v, want %+v", st.Notice, n)
			}
			if err := check(context.Background(), s.w); err != nil {
				t.Errorf("the fresh database: %v", err)
			}
		})
	}
}

func TestRecordNeverBlocks(t *testing.T) {
	var logged strings.Builder
	s := testStore(t, Options{Queue: 4, Logger: newTestLogger(&logged)})
	// No Run: the queue fills and the rest is dropped, at once.
	done := make(chan struct{})
	go func() {
		for range 10 {
			s.Record(monitor.Update{})
		}
		s.RecordDelivery(Delivery{})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Record blocked")
	}
	if got := s.Status().Dropped; got != 7 {
		t.Errorf("dropped %d, want 7", got)
	}
	if !strings.Contains(logged.String(), "history queue full") {
		t.Errorf("no warning logged: %q", logged.String())
	}
}

// A full disk (here: SQLite's page limit, which fails writes the same way) is reported, never
// blocks recording, and what could not be written is written once there is room.
func TestFullDiskIsANotice(t *testing.T) {
	clk := newClock(at("2026-03-10T07:00:00Z"))
	s := testStore(t, clk.opts(Options{}))
	running(t, s)
	w := &world{clock: clk, services: []monitor.ServiceStatus{{ID: "stripe", Name: "Stripe", Sources: []monitor.SourceStatus{page(monitor.StateOperational, "")}}}}
	w.set("stripe", monitor.StateOperational, "")
	s.Record(w.update())
	flush(t, s)
	var pages int
	must(s.w.QueryRow("PRAGMA page_count").Scan(&pages))
	if _, err := s.w.Exec("PRAGMA max_page_count = " + strconv.Itoa(pages)); err != nil {
		t.Fatal(err)
	}
	var wrote []string
	for i := range 50 {
		clk.add(time.Minute)
		st := []monitor.State{monitor.StateDegraded, monitor.StateOperational}[i%2]
		w.set("stripe", st, strings.Repeat("x", 2000))
		s.Record(w.update())
		wrote = append(wrote, StateName(st))
	}
	ctx := context.Background()
	if err := s.Flush(ctx); err == nil {
		t.Fatal("flush succeeded on a full database")
	}
	st := s.Status()
	if st.Err == nil || !strings.Contains(st.Err.Error(), "full") || st.Pending == 0 {
		t.Errorf("status %+v, want a full-disk error and pending writes", st)
	}
	if _, err := s.w.Exec("PRAGMA max_page_count = 1000000"); err != nil {
		t.Fatal(err)
	}
	clk.add(time.Minute)
	s.Record(w.update())
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("flush after making room: %v", err)
	}
	if st := s.Status(); st.Err != nil || st.Pending != 0 || st.Dropped != 0 {
		t.Errorf("status %+v, want it clear", st)
	}
	evs, err := s.Timeline(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		if e.Kind == EventChange && e.Source == "" {
			got = append(got, StateName(e.To))
		}
	}
	if want := append([]string{"operational"}, wrote...); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("recorded %v, want %v", got, want)
	}
}

// After a restart the time since the last heartbeat counts as "not running", the spells open
// then are closed at it, and states that did not change are not recorded again.
func TestRestartRecordsNotRunning(t *testing.T) {
	clk := newClock(at("2026-03-10T07:00:00Z"))
	path := filepath.Join(t.TempDir(), "history.db")
	s, _, err := Open(path, clk.opts(Options{Heartbeat: time.Hour}))
	must(err)
	stop := running(t, s)
	w := &world{clock: clk, services: []monitor.ServiceStatus{{ID: "stripe", Name: "Stripe", Sources: []monitor.SourceStatus{page(monitor.StateOperational, "")}}}}
	w.set("stripe", monitor.StateOperational, "")
	s.Record(w.update())
	clk.set(at("2026-03-10T08:00:00Z"))
	w.offline = "no network"
	s.Record(w.update())
	flush(t, s)
	stop()
	must(s.Close())

	clk.set(at("2026-03-10T09:30:00Z"))
	s, _, err = Open(path, clk.opts(Options{Heartbeat: time.Hour}))
	must(err)
	defer s.Close()
	running(t, s)
	w.offline = ""
	s.Record(w.update())
	flush(t, s)
	evs, err := s.Timeline(context.Background(), Filter{})
	must(err)
	var got []string
	for _, e := range evs {
		got = append(got, e.At.Format("15:04")+" "+string(e.Kind)+" "+string(e.Gap)+" "+e.Until.Format("15:04"))
	}
	want := []string{
		"07:00 change  00:00", "07:00 change  00:00",
		"08:00 not_watched offline 08:00",
		"08:00 not_watched not_running 09:30",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("timeline =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	up, err := s.Uptime(context.Background(), 1, at("2026-03-10T10:00:00Z"), time.UTC)
	must(err)
	d := up[0].Days[0]
	if !near(d.Minutes.Operational, 60+30) || !near(d.NotWatched, 7*60+90) {
		t.Errorf("day %+v, want 90 minutes operational and 510 not watched", d)
	}
}

// A query made while Paywatch is not running counts the time since its last heartbeat as not
// watched.
func TestNotRunningNowIsNotWatched(t *testing.T) {
	clk := newClock(at("2026-03-10T07:00:00Z"))
	s := testStore(t, clk.opts(Options{Heartbeat: 30 * time.Second}))
	stop := running(t, s)
	w := &world{clock: clk, services: []monitor.ServiceStatus{{ID: "stripe", Name: "Stripe", Sources: []monitor.SourceStatus{page(monitor.StateOperational, "")}}}}
	w.set("stripe", monitor.StateOperational, "")
	s.Record(w.update())
	flush(t, s)
	stop()
	up, err := s.Uptime(context.Background(), 1, at("2026-03-10T09:00:00Z"), time.UTC)
	must(err)
	if d := up[0].Days[0]; !near(d.Minutes.Operational, 0) || !near(d.NotWatched, 9*60) {
		t.Errorf("day %+v, want everything not watched (Paywatch stopped at 07:00)", d)
	}
	up, err = s.Uptime(context.Background(), 1, at("2026-03-10T07:01:00Z"), time.UTC)
	must(err)
	if d := up[0].Days[0]; !near(d.Minutes.Operational, 1) {
		t.Errorf("a minute after the heartbeat: %+v, want the minute counted as watched", d)
	}
}

func TestSleepIsNoticed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var jump atomic.Int64
		now := func() time.Time { return time.Now().Add(time.Duration(jump.Load())) }
		s, _, err := Open(filepath.Join(t.TempDir(), "history.db"), Options{Heartbeat: 30 * time.Second, Now: now})
		must(err)
		defer s.Close()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = s.Run(ctx); close(done) }()
		time.Sleep(45 * time.Second) // one heartbeat
		synctest.Wait()
		before := now()
		jump.Store(int64(2 * time.Hour)) // the computer slept: the wall clock moved, the ticker did not
		time.Sleep(20 * time.Second)
		synctest.Wait()
		cancel()
		<-done
		evs, err := s.Timeline(context.Background(), Filter{})
		must(err)
		if len(evs) != 1 || evs[0].Gap != GapAsleep {
			t.Fatalf("timeline %+v, want one sleep", evs)
		}
		if g := evs[0]; g.At.After(before) || g.Until.Sub(g.At) < 2*time.Hour {
			t.Errorf("sleep %s – %s, want it to cover the two hours", g.At, g.Until)
		}
	})
}

func TestRecordGapAndClear(t *testing.T) {
	clk := newClock(at("2026-03-10T07:00:00Z"))
	s := testStore(t, clk.opts(Options{}))
	running(t, s)
	w := &world{clock: clk, services: []monitor.ServiceStatus{{ID: "stripe", Name: "Stripe", Sources: []monitor.SourceStatus{page(monitor.StateOperational, "")}}}}
	w.set("stripe", monitor.StateOperational, "")
	s.Record(w.update())
	s.RecordGap(GapAsleep, at("2026-03-10T08:00:00Z"), at("2026-03-10T08:20:00Z"))
	s.RecordGap(GapAsleep, at("2026-03-10T09:00:00Z"), at("2026-03-10T09:00:00Z")) // empty: ignored
	flush(t, s)
	up, err := s.Uptime(context.Background(), 1, at("2026-03-10T10:00:00Z"), time.UTC)
	must(err)
	if d := up[0].Days[0]; !near(d.Minutes.Operational, 180-20) {
		t.Errorf("day %+v, want the sleep taken out", d)
	}

	if err := s.Clear(context.Background()); err != nil {
		t.Fatal(err)
	}
	evs, err := s.Timeline(context.Background(), Filter{})
	must(err)
	if len(evs) != 0 {
		t.Errorf("after clear: %+v", evs)
	}
	// The writer notices and records the current state afresh on the next round.
	clk.set(at("2026-03-10T10:00:00Z"))
	s.Record(w.update())
	flush(t, s) // the round's commit notices the clear
	clk.add(time.Minute)
	s.Record(w.update())
	flush(t, s)
	evs, err = s.Timeline(context.Background(), Filter{})
	must(err)
	if len(evs) != 2 || evs[0].From != NotWatched || evs[0].To != monitor.StateOperational {
		t.Errorf("after clear and a round: %+v, want the service's and its page's state again", evs)
	}
}

func TestRetention(t *testing.T) {
	clk := newClock(at("2025-01-01T00:00:00Z"))
	path := filepath.Join(t.TempDir(), "history.db")
	o := clk.opts(Options{Keep: 30 * 24 * time.Hour, Heartbeat: 1000 * time.Hour})
	s, _, err := Open(path, o)
	must(err)
	stop := running(t, s)
	w := &world{clock: clk, services: []monitor.ServiceStatus{{ID: "stripe", Name: "Stripe", Sources: []monitor.SourceStatus{page(monitor.StateOperational, "")}}}}
	for d := range 90 {
		clk.set(at("2025-01-01T10:00:00Z").Add(time.Duration(d) * 24 * time.Hour))
		w.set("stripe", monitor.StateDegraded, "slow")
		w.svc("stripe").Incidents = []monitor.Incident{{ID: "i" + strconv.Itoa(d), Title: "Slow", Impact: monitor.StateDegraded, Status: "investigating", LatestUpdate: "slow"}}
		s.Record(w.update(monitor.Notification{ServiceID: "stripe", Title: "slow"}))
		clk.add(time.Hour)
		w.set("stripe", monitor.StateOperational, "")
		w.svc("stripe").Incidents = nil
		s.Record(w.update())
	}
	flush(t, s)
	stop()
	must(s.Close())
	// Retention runs when Run starts.
	s, _, err = Open(path, o)
	must(err)
	defer s.Close()
	stop = running(t, s)
	flush(t, s)
	stop()
	cut := clk.now().Add(-30 * 24 * time.Hour)
	var oldest int64
	must(s.w.QueryRow("SELECT min(at) FROM changes").Scan(&oldest))
	if fromMS(oldest).Before(cut) {
		t.Errorf("oldest change %s, before the cut %s", fromMS(oldest), cut)
	}
	var n int
	must(s.w.QueryRow("SELECT count(*) FROM incidents").Scan(&n))
	if n < 29 || n > 31 {
		t.Errorf("%d incidents kept, want the last 30 days' (about 30)", n)
	}
	must(s.w.QueryRow("SELECT count(*) FROM incident_updates WHERE incident NOT IN (SELECT id FROM incidents)").Scan(&n))
	if n != 0 {
		t.Errorf("%d orphaned updates", n)
	}
	// The state at the cut is still known: the first kept day is not "not watched".
	up, err := s.Uptime(context.Background(), 29, clk.now(), time.UTC)
	must(err)
	if d := up[0].Days[0]; d.NotWatched > 0 {
		t.Errorf("first kept day %+v, want it watched throughout", d)
	}
}

func TestSizeCap(t *testing.T) {
	clk := newClock(at("2025-01-01T00:00:00Z"))
	path := filepath.Join(t.TempDir(), "history.db")
	o := clk.opts(Options{MaxBytes: 1 << 20, Heartbeat: 1000 * time.Hour})
	s, _, err := Open(path, o)
	must(err)
	stop := running(t, s)
	w := &world{clock: clk, services: []monitor.ServiceStatus{{ID: "stripe", Name: "Stripe", Sources: []monitor.SourceStatus{page(monitor.StateOperational, "")}}}}
	for i := range 3000 {
		clk.add(10 * time.Minute)
		w.set("stripe", []monitor.State{monitor.StateDegraded, monitor.StateOperational}[i%2], strings.Repeat("long reason ", 60))
		s.Record(w.update())
		if i%200 == 0 {
			flush(t, s)
		}
	}
	flush(t, s)
	stop()
	before, err := s.Size(context.Background())
	must(err)
	if before <= o.MaxBytes {
		t.Fatalf("the fill made only %d bytes; the test needs more than %d", before, o.MaxBytes)
	}
	must(s.Close())
	s, _, err = Open(path, o)
	must(err)
	defer s.Close()
	stop = running(t, s)
	flush(t, s)
	stop()
	after, err := s.Size(context.Background())
	must(err)
	fi, err := os.Stat(path)
	must(err)
	if after > o.MaxBytes || fi.Size() > 2*o.MaxBytes {
		t.Errorf("after retention: %d bytes used, file %d bytes; cap %d (before: %d)", after, fi.Size(), o.MaxBytes, before)
	}
	var newest int64
	must(s.w.QueryRow("SELECT max(at) FROM changes").Scan(&newest))
	if !fromMS(newest).Equal(clk.now()) {
		t.Errorf("the newest record went: newest %s, want %s", fromMS(newest), clk.now())
	}
}

// A service taken out of the watchlist is "not watched" from then on, and so are the sources
// a service no longer has.
func TestRemovedServiceIsNotWatched(t *testing.T) {
	clk := newClock(at("2026-03-10T00:00:00Z"))
	s := testStore(t, clk.opts(Options{}))
	running(t, s)
	w := &world{clock: clk, services: []monitor.ServiceStatus{
		{ID: "stripe", Name: "Stripe", Sources: []monitor.SourceStatus{page(monitor.StateOperational, ""), probe("stripe.com", monitor.StateOperational, "reachable")}},
		{ID: "adyen", Name: "Adyen", Sources: []monitor.SourceStatus{page(monitor.StateOperational, "")}},
	}}
	w.set("stripe", monitor.StateOperational, "")
	w.set("adyen", monitor.StateOperational, "")
	w.setProbe("stripe", monitor.StateOperational, "reachable")
	s.Record(w.update())
	clk.set(at("2026-03-10T06:00:00Z"))
	w.services = w.services[:1]
	w.services[0].Sources = w.services[0].Sources[:1]
	s.Record(w.update())
	flush(t, s)
	evs, err := s.Timeline(context.Background(), Filter{From: at("2026-03-10T05:00:00Z")})
	must(err)
	var got []string
	for _, e := range evs {
		got = append(got, e.ServiceID+"/"+e.Source+" "+e.SourceKind+" "+StateName(e.From)+">"+StateName(e.To)+" "+e.Reason)
	}
	want := []string{"stripe/probe:stripe.com probe operational>not_watched no longer watched",
		"adyen/ service operational>not_watched no longer watched", "adyen/page page operational>not_watched no longer watched"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("timeline =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	up, err := s.Uptime(context.Background(), 1, at("2026-03-10T12:00:00Z"), time.UTC)
	must(err)
	if len(up) != 2 || up[0].ServiceID != "adyen" {
		t.Fatalf("uptime %+v", up)
	}
	if d := up[0].Days[0]; !near(d.Minutes.Operational, 360) || !near(d.NotWatched, 360) {
		t.Errorf("Adyen's day %+v, want 6 hours operational and 6 not watched", d)
	}
}

// The CLI opens the same file while the tray app writes to it: it reads a consistent history,
// and `paywatch history --clear` there makes the app record its current states afresh.
func TestSecondStoreOnTheSameFile(t *testing.T) {
	clk := newClock(at("2026-03-10T07:00:00Z"))
	path := filepath.Join(t.TempDir(), "history.db")
	app, _, err := Open(path, clk.opts(Options{Heartbeat: time.Hour}))
	must(err)
	defer app.Close()
	running(t, app)
	w := &world{clock: clk, services: []monitor.ServiceStatus{{ID: "stripe", Name: "Stripe", Sources: []monitor.SourceStatus{page(monitor.StateOperational, "")}}}}
	w.set("stripe", monitor.StateOperational, "")
	app.Record(w.update())
	flush(t, app)

	cli, n, err := Open(path, clk.opts(Options{Heartbeat: time.Hour}))
	if err != nil || !n.IsZero() {
		t.Fatalf("second open: %v %s", err, n)
	}
	defer cli.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			clk.add(time.Minute)
			w.set("stripe", []monitor.State{monitor.StateDegraded, monitor.StateOperational}[i%2], "")
			app.Record(w.update())
		}
	}()
	for range 20 {
		evs, err := cli.Timeline(context.Background(), Filter{})
		if err != nil {
			t.Fatalf("reading while the app writes: %v", err)
		}
		for i := 1; i < len(evs); i++ {
			if evs[i].At.Before(evs[i-1].At) {
				t.Fatalf("timeline out of order at %d", i)
			}
		}
	}
	<-done
	flush(t, app)
	if err := cli.Clear(context.Background()); err != nil {
		t.Fatalf("clear while the app runs: %v", err)
	}
	clk.add(time.Minute) // the app's next round, after its 10 s look at the generation
	app.Record(w.update())
	flush(t, app)
	clk.add(time.Minute)
	app.Record(w.update())
	flush(t, app)
	evs, err := cli.Timeline(context.Background(), Filter{})
	must(err)
	if len(evs) != 2 || evs[0].From != NotWatched {
		t.Errorf("after a clear elsewhere: %+v, want the current states recorded afresh", evs)
	}
	if err := app.Err(); err != nil {
		t.Errorf("the app's writes: %v", err)
	}
}

// TestDriverSettings: both SQLite drivers (C with cgo, Go without) get the store's settings from
// its addresses: readers cannot write, the writer waits for a busy lock instead of failing, and the
// write-ahead log is capped.
func TestDriverSettings(t *testing.T) {
	s := testStore(t, Options{})
	if _, err := s.r.Exec(`INSERT INTO meta (key, value) VALUES ('reader', 'wrote')`); err == nil {
		t.Error("a reader wrote to the history")
	}
	var busy, limit int64
	var fk int
	must(s.w.QueryRow("PRAGMA busy_timeout").Scan(&busy))
	must(s.w.QueryRow("PRAGMA journal_size_limit").Scan(&limit))
	must(s.w.QueryRow("PRAGMA foreign_keys").Scan(&fk))
	if busy != busyTimeout.Milliseconds() || limit != journalLimit || fk != 1 {
		t.Errorf("busy_timeout %d, journal_size_limit %d, foreign_keys %d; want %d, %d, 1", busy, limit, fk, busyTimeout.Milliseconds(), journalLimit)
	}
	var cache int64
	must(s.r.QueryRow("PRAGMA cache_size").Scan(&cache))
	if cache != -cacheKiB {
		t.Errorf("a reader's cache_size %d, want %d", cache, -cacheKiB)
	}
}

// TestIdleRoundsWriteOnlyTheHeartbeat: rounds that change nothing do not write the file until
// the heartbeat is due (the look at the generation every 10 s is a read), and a Clear from
// another process is still noticed at the next look.
func TestIdleRoundsWriteOnlyTheHeartbeat(t *testing.T) {
	clk := newClock(at("2026-03-10T12:00:00Z"))
	path := filepath.Join(t.TempDir(), "history.db")
	s, _, err := Open(path, clk.opts(Options{Heartbeat: 30 * time.Second}))
	must(err)
	defer s.Close()
	running(t, s)
	w := newWorld(clk, 3)
	s.Record(w.update())
	flush(t, s)
	beat := func() int64 {
		var v string
		must(s.w.QueryRow("SELECT value FROM meta WHERE key = 'heartbeat'").Scan(&v))
		n, err := strconv.ParseInt(v, 10, 64)
		must(err)
		return n
	}
	first := beat()
	for range 5 { // 25 s of rounds that change nothing, each after the 10 s look was due
		clk.add(5 * time.Second)
		s.Record(w.update())
		flush(t, s)
	}
	if got := beat(); got != first {
		t.Errorf("heartbeat rewritten after %s of unchanged rounds; want it kept until 30 s", fromMS(got).Sub(fromMS(first)))
	}
	clk.add(10 * time.Second) // 35 s: due
	s.Record(w.update())
	flush(t, s)
	if got := beat(); got != clk.now().UnixMilli() {
		t.Errorf("heartbeat %s, want %s once due", fromMS(got), clk.now())
	}

	cli, _, err := Open(path, Options{})
	must(err)
	defer cli.Close()
	must(cli.Clear(context.Background()))
	clk.add(11 * time.Second) // the next look: a read, which finds the new generation
	s.Record(w.update())
	flush(t, s)
	clk.add(5 * time.Second) // the round after it records every current state again
	s.Record(w.update())
	flush(t, s)
	evs, err := cli.Timeline(context.Background(), Filter{})
	must(err)
	if len(evs) == 0 {
		t.Error("after a Clear elsewhere, the states were not recorded again")
	}
}
