package logfile

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestDefaultDir(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, "cache"))
	t.Setenv("LocalAppData", filepath.Join(home, "local"))

	t.Run("state home", func(t *testing.T) {
		t.Setenv("XDG_STATE_HOME", filepath.Join(home, "state"))
		got, err := DefaultDir()
		if err != nil {
			t.Fatal(err)
		}
		want := filepath.Join(home, "state", "paywatch")
		switch runtime.GOOS {
		case "darwin":
			want = filepath.Join(home, "Library", "Logs", "paywatch")
		case "windows":
			want = filepath.Join(home, "local", "paywatch")
		}
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
	t.Run("cache", func(t *testing.T) {
		t.Setenv("XDG_STATE_HOME", "")
		got, err := DefaultDir()
		if err != nil {
			t.Fatal(err)
		}
		want := filepath.Join(home, "cache", "paywatch")
		switch runtime.GOOS {
		case "darwin":
			want = filepath.Join(home, "Library", "Logs", "paywatch")
		case "windows":
			want = filepath.Join(home, "local", "paywatch")
		}
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
}

func TestOpenDefaultDir(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_STATE_HOME", filepath.Join(home, "state"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, "cache"))
	t.Setenv("LocalAppData", filepath.Join(home, "local"))
	want, err := DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	w, path, err := Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if path != filepath.Join(want, FileName) {
		t.Errorf("path %s, want %s", path, filepath.Join(want, FileName))
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("log file not created at Open: %v", err)
	}
}

func TestOpenUnwritable(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// A folder under a regular file cannot be created, even by root.
	if _, _, err := Open(filepath.Join(blocker, "logs")); err == nil {
		t.Fatal("Open under a regular file succeeded, want an error")
	}
}

func TestOpenAppendsAndRotates(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("from last run\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// lumberjack counts in megabytes; 1 MB is its smallest limit.
	w, path, err := open(dir, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := fmt.Fprintln(w, "first"); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "from last run\nfirst\n"; string(got) != want {
		t.Fatalf("before rotation the file holds %q, want %q", got, want)
	}

	line := bytes.Repeat([]byte("x"), 1023)
	line = append(line, '\n')
	for range 1024 { // 1 MB more: the limit is passed on the last writes
		if _, err := w.Write(line); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := fmt.Fprintln(w, "after rotation"); err != nil {
		t.Fatal(err)
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var backups []string
	for _, e := range entries {
		if e.Name() != FileName {
			backups = append(backups, e.Name())
		}
	}
	if len(backups) != 1 || !strings.HasPrefix(backups[0], "paywatch-") || !strings.HasSuffix(backups[0], ".log") {
		t.Fatalf("files besides %s: %v, want one paywatch-<time>.log", FileName, backups)
	}
	old, err := os.ReadFile(filepath.Join(dir, backups[0]))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(old, []byte("from last run\nfirst\n")) {
		t.Errorf("rotated file starts with %q, want the earlier lines", old[:min(len(old), 40)])
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > 1<<20 {
		t.Errorf("current file is %d bytes after rotation, want at most 1 MB", fi.Size())
	}
	lines, err := Tail(path, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(lines, []string{"after rotation"}) {
		t.Errorf("last line %q, want %q", lines, "after rotation")
	}
}

func TestTail(t *testing.T) {
	tests := []struct {
		name    string
		content string
		n       int
		want    []string
	}{
		{"empty file", "", 3, nil},
		{"fewer lines than asked", "a\nb\n", 5, []string{"a", "b"}},
		{"exactly n", "a\nb\nc\n", 3, []string{"a", "b", "c"}},
		{"last n", "a\nb\nc\nd\n", 2, []string{"c", "d"}},
		{"no final newline", "a\nb\nc", 2, []string{"b", "c"}},
		{"windows line endings", "a\r\nb\r\nc\r\n", 2, []string{"b", "c"}},
		{"empty lines kept", "a\n\nb\n\n", 3, []string{"", "b", ""}},
		{"zero lines", "a\nb\n", 0, nil},
		{"only a newline", "\n", 2, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, block := range []int{1, 2, 3, 7, blockSize} {
				f, err := os.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				got, err := tail(f, tt.n, block)
				f.Close()
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("block %d: got %q, want %q", block, got, tt.want)
				}
			}
		})
	}
}

func TestTailBigFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	var b strings.Builder
	const total = 20000 // about 10 read blocks
	for i := range total {
		fmt.Fprintf(&b, "line %05d %s\n", i, strings.Repeat("·", 10))
	}
	if b.Len() < 4*blockSize {
		t.Fatalf("test file is %d bytes, want several read blocks", b.Len())
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 10, 5000, total, total + 5} {
		got, err := Tail(path, n)
		if err != nil {
			t.Fatal(err)
		}
		want := min(n, total)
		if len(got) != want {
			t.Fatalf("Tail(%d) gave %d lines, want %d", n, len(got), want)
		}
		first := fmt.Sprintf("line %05d ", total-want)
		last := fmt.Sprintf("line %05d ", total-1)
		if !strings.HasPrefix(got[0], first) || !strings.HasPrefix(got[len(got)-1], last) {
			t.Errorf("Tail(%d) runs %q … %q, want %q… to %q…", n, got[0], got[len(got)-1], first, last)
		}
	}
}

// countingFile counts the bytes Tail reads, to show it reads from the end.
type countingFile struct {
	*os.File
	read int
}

func (c *countingFile) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.File.ReadAt(p, off)
	c.read += n
	return n, err
}

func TestTailReadsOnlyTheEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	data := bytes.Repeat([]byte("some log line that is not short\n"), 100000) // 3.2 MB
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := &countingFile{File: f}
	got, err := tail(c, 10, blockSize)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 10 {
		t.Fatalf("got %d lines, want 10", len(got))
	}
	if c.read > blockSize {
		t.Errorf("read %d bytes of a %d-byte file for 10 lines, want at most one block (%d)", c.read, len(data), blockSize)
	}
}

func TestTailMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope", FileName)
	_, err := Tail(path, 10)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v, want an error matching os.ErrNotExist", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "no log file") {
		t.Errorf("error %q should name the path and say there is no log file", err)
	}
}
