package detect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/paywatch/paywatch/internal/atomicfile"
	"github.com/paywatch/paywatch/monitor"
)

// MaxAge is how long a detection is trusted before it is done again.
const MaxAge = 30 * 24 * time.Hour

// maxCacheFile bounds what is read back; a larger file is treated as empty.
const maxCacheFile = 1 << 20

// Entry is one remembered detection.
type Entry struct {
	Platform   string    `json:"platform"`
	Endpoint   string    `json:"endpoint"`
	DetectedAt time.Time `json:"detected_at"`
}

// Cache remembers detections in a small JSON file mapping a normalised address to its Entry, so
// a page given as url: alone is detected once, not at every start. The file is read at every
// lookup and replaced whole (atomically) at every store, so two Paywatch processes sharing it
// lose at most each other's newest entry, which is then detected again. A nil *Cache remembers
// nothing.
type Cache struct {
	path string
	now  func() time.Time
	mu   sync.Mutex
}

// NewCache returns a cache kept in the file at path (created on the first Store).
func NewCache(path string) *Cache { return &Cache{path: path, now: time.Now} }

// DefaultCachePath is the cache file in the user's cache folder: detections are derived data
// that can be thrown away at any time, and one file serves every settings file, since what runs
// at an address does not depend on which settings name it.
func DefaultCachePath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("detect: find the cache folder: %w", err)
	}
	return filepath.Join(dir, "paywatch", "detected.json"), nil
}

// Path is the cache file.
func (c *Cache) Path() string { return c.path }

// Lookup returns the platform remembered for url if it was detected within MaxAge.
func (c *Cache) Lookup(url string) (platform string, ok bool) {
	e, ok := c.Entry(url)
	if !ok || !c.fresh(e) {
		return "", false
	}
	return e.Platform, true
}

// Entry returns what is remembered for url, however old.
func (c *Cache) Entry(url string) (Entry, bool) {
	if c == nil {
		return Entry{}, false
	}
	key, err := Normalize(url)
	if err != nil {
		return Entry{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.load()[key]
	return e, ok && e.Platform != ""
}

// Store remembers a detection.
func (c *Cache) Store(url string, r Result) error {
	if c == nil {
		return nil
	}
	key, err := Normalize(url)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.load()
	m[key] = Entry{Platform: r.Platform, Endpoint: r.Endpoint, DetectedAt: c.now().UTC().Truncate(time.Second)}
	for k, e := range m {
		if c.now().Sub(e.DetectedAt) > 4*MaxAge {
			delete(m, k) // long unused: the address left the settings
		}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(c.path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("detect: save %s: %w", c.path, err)
	}
	return nil
}

// Detect returns the platform and endpoint for url: from the cache while fresh, else by
// detection, whose result is then stored. When detection fails for a reason that may pass (the
// site unreachable, server errors), an older entry is used rather than none. Failing to save the
// cache is not an error: the address is detected again next time.
func (c *Cache) Detect(ctx context.Context, f *monitor.Fetcher, url string, cands []Candidate) (Entry, error) {
	old, have := c.Entry(url)
	if have && c.fresh(old) {
		return old, nil
	}
	r, err := Detect(ctx, f, url, cands)
	if err != nil {
		var de *Error
		if have && errors.As(err, &de) && de.Temporary() {
			return old, nil
		}
		return Entry{}, err
	}
	_ = c.Store(url, r)
	return Entry{Platform: r.Platform, Endpoint: r.Endpoint, DetectedAt: time.Now()}, nil
}

func (c *Cache) fresh(e Entry) bool {
	age := c.now().Sub(e.DetectedAt)
	return age >= -24*time.Hour && age < MaxAge // a date far ahead means a clock was wrong
}

// load reads the file; a missing, unreadable or damaged file is an empty cache.
func (c *Cache) load() map[string]Entry {
	m := map[string]Entry{}
	f, err := os.Open(c.path)
	if err != nil {
		return m
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxCacheFile+1))
	if err != nil || len(b) > maxCacheFile || json.Unmarshal(b, &m) != nil {
		return map[string]Entry{}
	}
	return m
}
