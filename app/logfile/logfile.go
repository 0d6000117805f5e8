// Package logfile keeps Paywatch's log file: paywatch.log in the user's
// state or cache folder, rotated by size so it never grows without bound,
// and read back from the end for `paywatch logs`.
//
// A login-started tray app has no terminal, so this file is where its
// messages go; the rotated copies sit next to it as
// paywatch-<time>.log.
package logfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"gopkg.in/natefinch/lumberjack.v2"
)

// FileName is the name of the current log file inside the log folder.
const FileName = "paywatch.log"

const (
	maxSizeMB  = 5 // rotate past this size
	maxBackups = 3 // rotated files kept besides the current one
	appDir     = "paywatch"
)

// DefaultDir returns the folder for the log file:
//   - Linux and BSD: $XDG_STATE_HOME/paywatch when XDG_STATE_HOME is set,
//     else the user cache folder ($XDG_CACHE_HOME or ~/.cache)/paywatch;
//   - macOS: ~/Library/Logs/paywatch, where Console.app looks for logs;
//   - Windows: %LocalAppData%\paywatch.
func DefaultDir() (string, error) {
	switch runtime.GOOS {
	case "darwin":
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("logfile: find home folder: %w", err)
		}
		return filepath.Join(home, "Library", "Logs", appDir), nil
	case "windows", "plan9", "ios", "android":
	default:
		if state := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(state) {
			return filepath.Join(state, appDir), nil
		}
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("logfile: find cache folder: %w", err)
	}
	return filepath.Join(cache, appDir), nil
}

// Open opens (creating it if needed) paywatch.log in dir, or in DefaultDir
// when dir is empty, for appending. The returned writer is safe for
// concurrent use and rotates the file past 5 MB, keeping 3 old copies.
// path is the file's absolute path, to show the user.
func Open(dir string) (w io.WriteCloser, path string, err error) {
	return open(dir, maxSizeMB, maxBackups)
}

func open(dir string, maxMB, backups int) (io.WriteCloser, string, error) {
	if dir == "" {
		d, err := DefaultDir()
		if err != nil {
			return nil, "", err
		}
		dir = d
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, "", fmt.Errorf("logfile: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", fmt.Errorf("logfile: create folder: %w", err)
	}
	path := filepath.Join(dir, FileName)
	// lumberjack opens the file on the first write; open it now so that a
	// folder we cannot write to is reported here and not lost later.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, "", fmt.Errorf("logfile: open: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, "", fmt.Errorf("logfile: open: %w", err)
	}
	return &lumberjack.Logger{
		Filename:   path,
		MaxSize:    maxMB,
		MaxBackups: backups,
		LocalTime:  true,
	}, path, nil
}

// blockSize is how much Tail reads at a time, from the end of the file.
const blockSize = 64 << 10

// Tail returns the last n lines of the file at path, without their line
// endings, oldest first. It reads backwards from the end, so a big file
// costs no more than the lines asked for. A missing file gives an error
// that matches os.ErrNotExist and says no log has been written yet.
func Tail(path string, n int) ([]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("logfile: no log file at %s yet (Paywatch has not written one): %w", path, os.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("logfile: %w", err)
	}
	defer f.Close()
	lines, err := tail(f, n, blockSize)
	if err != nil {
		return nil, fmt.Errorf("logfile: read %s: %w", path, err)
	}
	return lines, nil
}

// fileReader is what tail needs from an *os.File.
type fileReader interface {
	io.ReaderAt
	Stat() (os.FileInfo, error)
}

// tail reads f backwards in blocks of size block until it holds n whole
// lines (n line breaks before the last line), then splits what it read.
func tail(f fileReader, n, block int) ([]string, error) {
	if n <= 0 {
		return nil, nil
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	var (
		chunks [][]byte // read so far, last part of the file first
		total  int
		breaks int // line breaks seen, not counting one that ends the file
	)
	for off := fi.Size(); off > 0 && breaks < n; {
		size := min(int64(block), off)
		off -= size
		chunk := make([]byte, size)
		if _, err := f.ReadAt(chunk, off); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		breaks += bytes.Count(chunk, []byte{'\n'})
		if len(chunks) == 0 && size > 0 && chunk[size-1] == '\n' {
			breaks--
		}
		chunks = append(chunks, chunk)
		total += int(size)
	}
	buf := make([]byte, 0, total)
	for i := len(chunks) - 1; i >= 0; i-- {
		buf = append(buf, chunks[i]...)
	}
	return lastLines(buf, n), nil
}

// lastLines splits b into lines and returns the last n. A final line break
// ends the last line; it does not start an empty one. The first line may be
// cut off when b does not start at the beginning of the file, which is why
// tail reads until it has n line breaks before the last line.
func lastLines(b []byte, n int) []string {
	if len(b) == 0 {
		return nil
	}
	if b[len(b)-1] == '\n' {
		b = b[:len(b)-1]
	}
	var lines []string
	for end := len(b); end >= 0 && len(lines) < n; {
		start := end - 1
		for start >= 0 && b[start] != '\n' {
			start--
		}
		line := b[start+1 : end]
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		lines = append(lines, string(line))
		end = start
	}
	for i, j := 0, len(lines)-1; i < j; i, j = i+1, j-1 {
		lines[i], lines[j] = lines[j], lines[i]
	}
	return lines
}
