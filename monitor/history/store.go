// Package history is Paywatch's record of what happened: every state change of every service and
// of each of its sources, every incident and maintenance with its texts as published (and their
// SHA-256), every notification and channel message, and every spell when Paywatch was not
// watching, in an SQLite database in the user's state folder. Nothing leaves the machine.
//
// One Store per process: Run is the only writer, fed by the non-blocking Record methods; the
// queries (Timeline, Uptime, DailyWorst, Incidents, Report) read while it writes, from this
// process or another (the CLI). Wiring it is a few lines:
//
//	path, err := history.DefaultPath()
//	st, notice, err := history.Open(path, history.Options{Logger: log})
//	if !notice.IsZero() { /* show notice.String() */ }
//	go st.Run(ctx)             // owned by the caller; returns after flushing when ctx ends
//	st.Record(update)          // for every monitor.Update, never blocks
//	st.RecordDelivery(d)       // from the channels dispatcher: delivered, failed, expired
//	st.Status()                // Err (a full disk), Dropped, Notice for the window
//
// Run notices sleep by itself (the wall clock jumping past its heartbeat); RecordGap is there
// for a caller that knows better.
package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// Defaults for Options.
const (
	DefaultKeep      = 400 * 24 * time.Hour
	DefaultMaxBytes  = 200 << 20
	DefaultQueue     = 256
	DefaultHeartbeat = 30 * time.Second
)

// busyTimeout is how long a statement waits for another connection's lock (the CLI and the tray
// app can share the file).
const busyTimeout = 5 * time.Second

// cacheKiB is each connection's page cache. SQLite's default (2,000 KiB) fills at open, with the
// integrity check reading the whole file, and the memory stays with the process for its life:
// opening 120 days of 20 services (an 8 MB file) and recording 40 rounds took 4.9 MB of resident
// memory with it, 1.6 MB with 256 KiB (BenchmarkOpenMemory), and the queries are no slower (the
// history's appends and range reads touch few pages).
const cacheKiB = 256

// journalLimit caps the write-ahead log's size on disk once it has been checkpointed.
const journalLimit = 8 << 20

// SQLite's primary result codes that say the file itself is the problem
// (https://sqlite.org/rescode.html), the same for both drivers.
const (
	codePerm     = 3
	codeReadOnly = 8
	codeIOErr    = 10
	codeCorrupt  = 11
	codeCantOpen = 14
	codeAuth     = 23
	codeNotADB   = 26
)

// maxPending bounds the operations kept for a retry while writes fail (a full disk); beyond it the
// oldest are dropped and counted.
const maxPending = 100_000

// Options tune a Store. Zero fields take the defaults.
type Options struct {
	// Keep is how long records are kept (default 400 days).
	Keep time.Duration
	// MaxBytes caps the database's size; past it the oldest records go first (default 200 MB).
	MaxBytes int64
	// Queue bounds the records waiting for the writer; past it they are dropped and counted,
	// never waited for (default 256).
	Queue int
	// Heartbeat is how often the writer notes that Paywatch is running, so that after a crash
	// the time since is known not to have been watched (default 30 s). A longer stall of the
	// wall clock than this (plus a minute) is taken for sleep.
	Heartbeat time.Duration
	Logger    *slog.Logger
	// Now reads the wall clock (default time.Now).
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Keep <= 0 {
		o.Keep = DefaultKeep
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.Queue <= 0 {
		o.Queue = DefaultQueue
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// GapKind says why Paywatch was not watching.
type GapKind string

// Kinds of gap.
const (
	GapNotRunning GapKind = "not_running" // Paywatch was not running (or crashed)
	GapAsleep     GapKind = "asleep"      // the computer slept
	GapOffline    GapKind = "offline"     // the computer had no internet
)

// Label says the kind in words.
func (k GapKind) Label() string {
	switch k {
	case GapNotRunning:
		return "Paywatch not running"
	case GapAsleep:
		return "Computer asleep"
	case GapOffline:
		return "Offline"
	}
	return string(k)
}

// Outcome is what became of a message.
type Outcome string

// Outcomes.
const (
	// OutcomeNotified is a notification the alert policy sent out (shown on the desktop).
	OutcomeNotified Outcome = "notified"
	// OutcomeDelivered: a channel accepted it.
	OutcomeDelivered Outcome = "delivered"
	// OutcomeFailed: a channel refused it after every retry.
	OutcomeFailed Outcome = "failed"
	// OutcomeExpired: it was dropped before it could be delivered (queue full, shutting down).
	OutcomeExpired Outcome = "expired"
)

// Delivery is what a channel made of one notification, as the channels dispatcher knows it.
type Delivery struct {
	At time.Time
	// Channel is the channel's name or its redacted address; never a secret.
	Channel   string
	ServiceID string
	Title     string
	Body      string
	State     monitor.State
	Severity  monitor.State
	Outcome   Outcome
	Attempts  int
	Error     string // plain English, redacted; empty when delivered
}

// Notice is something the user should be told about the history file (a corrupt one moved
// aside). The zero Notice says nothing.
type Notice struct {
	MovedTo string    // where the unreadable file now is
	Reason  string    // why it could not be used
	At      time.Time // when it was moved
}

// IsZero reports whether there is nothing to tell.
func (n Notice) IsZero() bool { return n.MovedTo == "" }

// String is the notice in plain English, or "" for none.
func (n Notice) String() string {
	if n.IsZero() {
		return ""
	}
	return fmt.Sprintf("The history file could not be read (%s). It was moved to %s and a new history was started.", n.Reason, n.MovedTo)
}

// Status is what the user interface can show about the history.
type Status struct {
	Path   string
	Notice Notice
	// Err is the last write's failure (a full disk, say); nil once a write succeeds again.
	// Monitoring goes on either way; what could not be written is retried.
	Err error
	// Dropped counts records thrown away: the queue was full, or too much waited for a retry.
	Dropped uint64
	// Pending counts writes waiting for a retry.
	Pending   int
	LastWrite time.Time
}

// Store is the history database.
type Store struct {
	path   string
	opt    Options
	log    *slog.Logger
	w      *sql.DB // one connection: the writer, Clear and retention
	r      *sql.DB // readers
	notice Notice
	queue  chan item

	dropped atomic.Uint64
	mu      sync.Mutex
	err     error
	pending int
	last    time.Time
}

// item is one entry of the writer's queue: exactly one field is set.
type item struct {
	update   *monitor.Update
	delivery *Delivery
	gap      *gapRec
	flush    chan error
}

// Open opens (creating it and its folder if needed) the history at path. A file that cannot be
// used as a database (corrupt, not a database, unreadable) is moved aside to
// "<path>.corrupt-<time>" and a fresh one started: the returned Notice says so. A database
// from a newer Paywatch is left alone and reported as *NewerSchemaError.
func Open(path string, o Options) (*Store, Notice, error) {
	o = o.withDefaults()
	if strings.ContainsRune(path, '?') {
		return nil, Notice{}, fmt.Errorf("history: the path %q contains a question mark, which SQLite cannot open", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, Notice{}, fmt.Errorf("history: create folder: %w", err)
	}
	s := &Store{path: path, opt: o, log: o.Logger, queue: make(chan item, o.Queue)}
	err := s.open()
	if err == nil {
		return s, Notice{}, nil
	}
	if _, newer := errors.AsType[*NewerSchemaError](err); newer || !unusable(err) {
		return nil, Notice{}, err
	}
	if _, serr := os.Lstat(path); serr != nil {
		return nil, Notice{}, err // nothing there to move aside
	}
	at := o.Now()
	moved := path + ".corrupt-" + at.UTC().Format("20060102T150405Z")
	if rerr := os.Rename(path, moved); rerr != nil {
		return nil, Notice{}, fmt.Errorf("%w (and it could not be moved aside: %v)", err, rerr)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, serr := os.Lstat(path + suffix); serr == nil {
			_ = os.Rename(path+suffix, moved+suffix)
		}
	}
	s.log.Warn("history database unusable; moved aside", "path", path, "moved_to", moved, "err", err)
	if err := s.open(); err != nil {
		return nil, Notice{}, err
	}
	s.notice = Notice{MovedTo: moved, Reason: reasonOf(err), At: at}
	return s, s.notice, nil
}

// reasonOf says an open failure in a few words for the notice.
func reasonOf(err error) string {
	if _, ok := errors.AsType[*corruptError](err); ok {
		return "its integrity check failed"
	}
	if code, ok := sqliteCode(err); ok {
		switch code {
		case codeCorrupt:
			return "the file is damaged"
		case codeNotADB:
			return "it is not a database file"
		case codeCantOpen, codePerm, codeAuth:
			return "it cannot be opened"
		case codeReadOnly:
			return "it cannot be written"
		case codeIOErr:
			return "a disk error while reading it"
		}
	}
	return err.Error()
}

// corruptError is an integrity check that did not answer "ok".
type corruptError struct{ detail string }

func (e *corruptError) Error() string { return "history: integrity check failed: " + e.detail }

// unusable reports whether err means the file itself cannot be used (as opposed to, say, a
// busy lock or a folder that cannot be written).
func unusable(err error) bool {
	if _, ok := errors.AsType[*corruptError](err); ok {
		return true
	}
	code, ok := sqliteCode(err)
	if !ok {
		return false
	}
	switch code {
	case codeCorrupt, codeNotADB, codeCantOpen, codeReadOnly, codeIOErr, codePerm, codeAuth:
		return true
	}
	return false
}

func (s *Store) open() error {
	ctx := context.Background()
	w, err := sql.Open(driverName, dsn(s.path, "&_txlock=immediate"))
	if err != nil {
		return fmt.Errorf("history: open %s: %w", s.path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := check(ctx, w); err != nil {
		w.Close()
		return err
	}
	if err := migrate(ctx, w, len(migrations)); err != nil {
		w.Close()
		return err
	}
	r, err := sql.Open(driverName, dsn(s.path, "&_query_only=1"))
	if err != nil {
		w.Close()
		return fmt.Errorf("history: open %s: %w", s.path, err)
	}
	r.SetMaxOpenConns(4)
	s.w, s.r = w, r
	return nil
}

// check runs SQLite's quick integrity check.
func check(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "PRAGMA quick_check")
	if err != nil {
		return fmt.Errorf("history: check: %w", err)
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return fmt.Errorf("history: check: %w", err)
		}
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("history: check: %w", err)
	}
	if len(msgs) != 1 || msgs[0] != "ok" {
		return &corruptError{detail: strings.Join(msgs, "; ")}
	}
	return nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close closes the database. Call it after Run has returned.
func (s *Store) Close() error {
	return errors.Join(s.r.Close(), s.w.Close())
}

// Record queues a round's update for the writer. It never blocks: when the queue is full the
// update is dropped and counted (see Status).
func (s *Store) Record(u monitor.Update) {
	s.enqueue(item{update: &u})
}

// RecordDelivery queues what a channel made of a notification.
func (s *Store) RecordDelivery(d Delivery) {
	s.enqueue(item{delivery: &d})
}

// RecordGap queues a spell when Paywatch was not watching, such as a sleep the caller noticed
// (Run notices sleep by itself too; overlapping spells are merged when read).
func (s *Store) RecordGap(kind GapKind, from, to time.Time) {
	if !to.After(from) {
		return
	}
	s.enqueue(item{gap: &gapRec{kind: kind, from: from, to: to}})
}

func (s *Store) enqueue(it item) {
	select {
	case s.queue <- it:
	default:
		n := s.dropped.Add(1)
		if n == 1 || n%100 == 0 {
			s.log.Warn("history queue full; record dropped", "dropped", n)
		}
	}
}

// Flush waits until everything recorded before it has been written (or has failed to be) and
// returns the write's error.
func (s *Store) Flush(ctx context.Context) error {
	done := make(chan error, 1)
	select {
	case s.queue <- item{flush: done}:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Err is the last write's failure, nil once a write succeeds.
func (s *Store) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Status says how the history is doing.
func (s *Store) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Status{Path: s.path, Notice: s.notice, Err: s.err, Dropped: s.dropped.Load(), Pending: s.pending, LastWrite: s.last}
}

func (s *Store) setWriteResult(err error, pending int, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err, s.pending = err, pending
	if err == nil {
		s.last = at
	}
}

// Size is the space the records take in bytes (free pages not counted).
func (s *Store) Size(ctx context.Context) (int64, error) {
	var pages, free, size int64
	err := s.w.QueryRowContext(ctx, "SELECT page_count, freelist_count, page_size FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()").Scan(&pages, &free, &size)
	if err != nil {
		return 0, fmt.Errorf("history: size: %w", err)
	}
	return (pages - free) * size, nil
}

// Clear deletes every record (`paywatch history --clear`). A Store running in another process
// notices and starts its record afresh from the current states.
func (s *Store) Clear(ctx context.Context) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("history: clear: %w", err)
	}
	defer tx.Rollback()
	for _, q := range []string{
		"DELETE FROM incident_updates", "DELETE FROM incidents", "DELETE FROM messages",
		"DELETE FROM changes", "DELETE FROM gaps", "DELETE FROM services",
		"DELETE FROM meta WHERE key <> 'generation'",
		"INSERT INTO meta (key, value) VALUES ('generation', '1') ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("history: clear: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("history: clear: %w", err)
	}
	if _, err := s.w.ExecContext(ctx, "VACUUM"); err != nil {
		return fmt.Errorf("history: clear: compact: %w", err)
	}
	return nil
}
