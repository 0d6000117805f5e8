//go:build cgo

package history

import (
	"database/sql"
	"errors"
	"fmt"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// With cgo (the desktop app, which needs it for its windows anyway) the history uses SQLite's own
// C code (mattn/go-sqlite3) rather than its Go translation (sqlite_purego.go): the executable's
// code and tables are 2.45 MB smaller (`size`), and the idle tray app's resident executable pages
// 2.2 MB fewer (`go test -run '^$' -bench Idle -benchtime 1x ./internal/e2e`, MB-file-over-bare
// 9.77 -> 7.57), since this kernel maps an executable's pages in large folios, nearly all of it.

// driverName is the database/sql driver the store opens: mattn/go-sqlite3, with the one setting
// its addresses cannot carry.
const driverName = "paywatch-sqlite3"

func init() {
	sql.Register(driverName, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		_, err := c.Exec(fmt.Sprintf("PRAGMA journal_size_limit = %d", journalLimit), nil)
		return err
	}})
}

// dsn is the address of the database at path with the store's settings, plus extra
// ("&_txlock=immediate" for the writer, "&_query_only=1" for readers).
func dsn(path string, extra string) string {
	return path + fmt.Sprintf("?_busy_timeout=%d&_auto_vacuum=incremental&_journal_mode=WAL&_synchronous=NORMAL&_foreign_keys=1&_cache_size=-%d",
		busyTimeout.Milliseconds(), cacheKiB) + extra
}

// sqliteCode is the primary result code of an SQLite error, false for other errors.
func sqliteCode(err error) (int, bool) {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return 0, false
	}
	return int(se.Code) & 0xff, true
}
