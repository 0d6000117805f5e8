package sourcetest

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ReadFile returns the contents of the file at path, failing t if it cannot be read.
func ReadFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// MustTime reads an RFC 3339 time written in a test, failing t if it is not one.
func MustTime(t testing.TB, v string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, v)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// FuzzSeeds adds every file below dir whose name ends in suffix ("" for all) to f's seed corpus,
// failing f if there is none.
func FuzzSeeds(f *testing.F, dir, suffix string) {
	f.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, suffix) {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f.Add(b)
		n++
		return nil
	})
	if err != nil || n == 0 {
		f.Fatalf("no seed files in %s: %v", dir, err)
	}
}

// SharedFixtures returns the folder of real payloads kept next to the repository
// (../shared/fixtures from the module's root) and its INDEX.md, which describes each of them. It
// skips t when they are not there.
func SharedFixtures(t testing.TB) (dir string, index []byte) {
	t.Helper()
	dir = sharedDir()
	index, err := os.ReadFile(filepath.Join(dir, "INDEX.md"))
	if err != nil {
		t.Skipf("shared fixtures not present: %v", err)
	}
	return dir, index
}

// SharedFixture returns one of the shared real payloads, skipping t when it is not there.
func SharedFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sharedDir(), name))
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("shared fixture %s not present", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Corpus runs check on each shared payload whose name matches one of patterns (filepath.Match
// patterns, such as "gcp__*.json"), each in a subtest named after the file, and fails a payload
// INDEX.md does not describe. It skips t when the fixtures are not there or none match.
func Corpus(t *testing.T, patterns []string, check func(t *testing.T, name string, body []byte)) {
	t.Helper()
	dir, index := SharedFixtures(t)
	var files []string
	for _, pattern := range patterns {
		m, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Skipf("no shared fixtures match %q", patterns)
	}
	for _, p := range files {
		name := filepath.Base(p)
		t.Run(name, func(t *testing.T) {
			if !bytes.Contains(index, []byte(name)) {
				t.Errorf("%s is not described in INDEX.md", name)
			}
			check(t, name, ReadFile(t, p))
		})
	}
}

// sharedDir is ../shared/fixtures from the root of the module the test runs in, found by
// walking up from the working directory (the test's package) to go.mod.
func sharedDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "..", "shared", "fixtures")
		}
		if filepath.Dir(d) == d {
			return filepath.Join(wd, "..", "..", "..", "shared", "fixtures")
		}
	}
}
