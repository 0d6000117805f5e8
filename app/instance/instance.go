// Package instance is the lock that keeps one Paywatch running per user and settings file, tray
// or headless. The lock file holds the process ID of its owner, so that `paywatch service stop`
// and `service status` act on this user's own instance and nothing else.
package instance

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/gofrs/flock"
)

// ErrAlreadyRunning means another Paywatch holds the lock.
var ErrAlreadyRunning = errors.New("Paywatch is already running")

// RunningError is ErrAlreadyRunning with the owner's process ID, when the lock file says it.
type RunningError struct{ PID int }

func (e *RunningError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("Paywatch is already running (process %d)", e.PID)
	}
	return ErrAlreadyRunning.Error()
}

// Is makes errors.Is(err, ErrAlreadyRunning) true.
func (e *RunningError) Is(target error) bool { return target == ErrAlreadyRunning }

// Dir is where the locks live: the runtime folder on Linux, else the cache folder.
func Dir() (string, error) {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" && runtime.GOOS == "linux" {
		return filepath.Join(d, "paywatch"), nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "paywatch"), nil
}

// Name is the lock file's name for a settings file: paywatch.lock for the default one (cfgPath
// "", or defaultPath), else one named after the file's absolute path, so that Paywatch can run
// once for each settings file.
func Name(cfgPath, defaultPath string) string {
	if cfgPath == "" {
		return "paywatch.lock"
	}
	abs, err := filepath.Abs(cfgPath)
	if err != nil {
		abs = filepath.Clean(cfgPath)
	}
	if defaultPath != "" && filepath.Clean(defaultPath) == abs {
		return "paywatch.lock"
	}
	sum := sha256.Sum256([]byte(abs))
	return "paywatch-" + hex.EncodeToString(sum[:6]) + ".lock"
}

// Lock is a held instance lock.
type Lock struct{ lock *flock.Flock }

// Acquire takes the lock dir/name and writes this process's ID into it, or returns a
// *RunningError. The operating system drops the lock when the process ends, even after a crash.
func Acquire(dir, name string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("instance lock: %w", err)
	}
	path := filepath.Join(dir, name)
	l := flock.New(path)
	ok, err := l.TryLock()
	if err != nil {
		return nil, fmt.Errorf("instance lock: %w", err)
	}
	if !ok {
		pid, _ := readPID(path)
		return nil, &RunningError{PID: pid}
	}
	// The lock is on the file, not on what it holds: writing through another handle is fine
	// where locks are advisory (Linux, macOS). Where they are not (Windows), the ID stays
	// unwritten, and Owner says 0.
	if runtime.GOOS != "windows" {
		if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
			l.Unlock()
			return nil, fmt.Errorf("instance lock: %w", err)
		}
	}
	return &Lock{lock: l}, nil
}

// Release drops the lock.
func (l *Lock) Release() error { return l.lock.Unlock() }

// Owner returns the process ID of the Paywatch holding dir/name, or 0 when none does (or its
// ID is not known).
func Owner(dir, name string) (int, error) {
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	l := flock.New(path, flock.SetFlag(os.O_RDONLY))
	ok, err := l.TryLock()
	if err != nil {
		return 0, fmt.Errorf("instance lock: %w", err)
	}
	if ok {
		l.Unlock() // nobody holds it: whatever ID it still holds is stale
		return 0, nil
	}
	return readPID(path)
}

func readPID(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("instance lock: %w", err)
	}
	s := strings.TrimSpace(string(data))
	if s == "" {
		return 0, nil
	}
	pid, err := strconv.Atoi(s)
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("instance lock: %s does not hold a process ID", path)
	}
	return pid, nil
}
