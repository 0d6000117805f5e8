package monitor

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"time"
)

// BOM is the UTF-8 byte-order mark some servers put before JSON.
var BOM = []byte("\xef\xbb\xbf")

// SkipBOM drops a UTF-8 byte-order mark from the start of r, which encoding/json refuses. Bodies
// from Fetcher.GetJSON have none already; parsers that are also handed bodies from elsewhere
// (files, tests) use it.
func SkipBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(len(BOM)); err == nil && bytes.Equal(b, BOM) {
		br.Discard(len(BOM))
	}
	return br
}

// ParseTime reads a time a status page wrote: RFC 3339 (with or without fractions of a second)
// first, then each of layouts in order. Surrounding space is ignored; a value that fits none
// reads as the zero time, since a bad date must not hide an incident.
func ParseTime(v string, layouts ...string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t
		}
	}
	return time.Time{}
}

// FirstTime returns the first of ts that is not the zero time, or the zero time.
func FirstTime(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// JSONID is an identifier a status page writes as a JSON number or string (12 or "12", spaces
// around a string trimmed); null reads as "".
type JSONID string

// UnmarshalJSON implements json.Unmarshaler.
func (v *JSONID) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*v = ""
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		*v = JSONID(n.String())
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*v = JSONID(strings.TrimSpace(s))
	return nil
}

// Interning: the words status pages repeat (component names such as "API" or "Dashboard", group
// names, statuses) are kept once for the whole process rather than once per page. The table is
// bounded: once full, or for a long text, a string is kept as it is.
const (
	internMax    = 4096 // strings in the table
	internMaxLen = 64   // bytes of one string
)

var interned struct {
	mu sync.Mutex
	m  map[string]string
}

// Intern returns the process's copy of s, for a parser that keeps s in a report for as long as
// the page says the same.
func Intern(s string) string {
	if s == "" || len(s) > internMaxLen {
		return s
	}
	interned.mu.Lock()
	defer interned.mu.Unlock()
	if v, ok := interned.m[s]; ok {
		return v
	}
	if interned.m == nil {
		interned.m = make(map[string]string)
	}
	if len(interned.m) < internMax {
		interned.m[s] = s
	}
	return s
}
