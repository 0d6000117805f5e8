package history

import (
	"context"
	"database/sql"
	"fmt"
)

// Times are stored as Unix milliseconds (UTC); 0 stands for "not given". States are
// monitor.State numbers, with -1 for NotWatched.

// migrations are the schema's steps in order: migrations[i] takes a database from version i to
// i+1 (PRAGMA user_version). A released step is never edited; a change is a new step.
var migrations = []string{
	// 1: states and the spells when Paywatch was not watching.
	`
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE services (
	id   TEXT PRIMARY KEY,
	name TEXT NOT NULL
) WITHOUT ROWID;

-- Every change of a service's state (source '') and of each of its sources.
CREATE TABLE changes (
	id          INTEGER PRIMARY KEY,
	at          INTEGER NOT NULL,
	service     TEXT NOT NULL,
	source      TEXT NOT NULL,
	source_kind TEXT NOT NULL, -- 'service', 'page' or 'probe'
	from_state  INTEGER NOT NULL,
	to_state    INTEGER NOT NULL,
	reason      TEXT NOT NULL
);
CREATE INDEX changes_by_service ON changes (service, source, at);
CREATE INDEX changes_by_time ON changes (at);

-- Spells when Paywatch was not watching: offline, asleep, not running.
CREATE TABLE gaps (
	id      INTEGER PRIMARY KEY,
	kind    TEXT NOT NULL,
	from_at INTEGER NOT NULL,
	to_at   INTEGER, -- NULL while the spell lasts
	reason  TEXT NOT NULL
);
CREATE INDEX gaps_by_time ON gaps (from_at);
`,
	// 2: incidents and maintenance as published, and the messages sent about them.
	`
CREATE TABLE incidents (
	id          INTEGER PRIMARY KEY,
	service     TEXT NOT NULL,
	kind        TEXT NOT NULL, -- 'incident' or 'maintenance'
	key         TEXT NOT NULL,
	title       TEXT NOT NULL,
	url         TEXT NOT NULL,
	page_url    TEXT NOT NULL,
	impact      INTEGER NOT NULL, -- the worst seen
	status      TEXT NOT NULL,    -- the latest seen
	components  TEXT NOT NULL,    -- JSON array
	filtered    INTEGER NOT NULL,
	created_at  INTEGER NOT NULL, -- the publisher's timestamps
	updated_at  INTEGER NOT NULL,
	resolved_at INTEGER NOT NULL,
	starts_at   INTEGER NOT NULL,
	ends_at     INTEGER NOT NULL,
	first_seen  INTEGER NOT NULL, -- when Paywatch saw it
	last_seen   INTEGER NOT NULL,
	ended_at    INTEGER NOT NULL, -- when Paywatch saw it end; 0 while open
	UNIQUE (service, kind, key)
);
CREATE INDEX incidents_by_time ON incidents (first_seen);

-- Each version of an incident's text as published, with the SHA-256 of the text.
CREATE TABLE incident_updates (
	id           INTEGER PRIMARY KEY,
	incident     INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
	seen_at      INTEGER NOT NULL,
	published_at INTEGER NOT NULL,
	status       TEXT NOT NULL,
	impact       INTEGER NOT NULL,
	title        TEXT NOT NULL,
	text         TEXT NOT NULL,
	sha256       TEXT NOT NULL
);
CREATE INDEX updates_by_incident ON incident_updates (incident, id);

-- Notifications (channel '') and what each channel made of them.
CREATE TABLE messages (
	id       INTEGER PRIMARY KEY,
	at       INTEGER NOT NULL,
	service  TEXT NOT NULL,
	channel  TEXT NOT NULL,
	outcome  TEXT NOT NULL,
	title    TEXT NOT NULL,
	body     TEXT NOT NULL,
	state    INTEGER NOT NULL,
	severity INTEGER NOT NULL,
	attempts INTEGER NOT NULL,
	error    TEXT NOT NULL
);
CREATE INDEX messages_by_time ON messages (at);
CREATE INDEX messages_by_service ON messages (service, at);
`,
}

// NewerSchemaError says the database was written by a newer Paywatch; it is left alone.
type NewerSchemaError struct{ Have, Know int }

func (e *NewerSchemaError) Error() string {
	return fmt.Sprintf("history: the database has schema version %d, newer than this Paywatch knows (%d); update Paywatch to use it", e.Have, e.Know)
}

func schemaVersion(ctx context.Context, db *sql.DB) (int, error) {
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("history: read schema version: %w", err)
	}
	return v, nil
}

// migrate brings db up to version target, one step per transaction, so that a step that fails
// leaves the database at the version before it.
func migrate(ctx context.Context, db *sql.DB, target int) error {
	v, err := schemaVersion(ctx, db)
	if err != nil {
		return err
	}
	if v > len(migrations) {
		return &NewerSchemaError{Have: v, Know: len(migrations)}
	}
	for ; v < target; v++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("history: migrate to version %d: %w", v+1, err)
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("history: migrate to version %d: %w", v+1, err)
		}
		// PRAGMA takes no parameters; v+1 is our own number.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("history: migrate to version %d: %w", v+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("history: migrate to version %d: %w", v+1, err)
		}
	}
	return nil
}
