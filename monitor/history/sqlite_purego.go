//go:build !cgo

package history

import (
	"errors"
	"fmt"

	"modernc.org/sqlite"
)

// Without cgo (the headless build: one static file for a server or NAS) the history uses
// modernc.org/sqlite, SQLite translated to Go.

// driverName is the database/sql driver the store opens.
const driverName = "sqlite"

// dsn is the address of the database at path with the store's settings, plus extra
// ("&_txlock=immediate" for the writer, "&_query_only=1" for readers).
func dsn(path string, extra string) string {
	return path + fmt.Sprintf("?_busy_timeout=%d&_auto_vacuum=incremental&_journal_mode=wal&_synchronous=normal&_foreign_keys=1&_pragma=journal_size_limit(%d)&_pragma=cache_size(-%d)",
		busyTimeout.Milliseconds(), journalLimit, cacheKiB) + extra
}

// sqliteCode is the primary result code of an SQLite error, false for other errors.
func sqliteCode(err error) (int, bool) {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return 0, false
	}
	return se.Code() & 0xff, true
}
