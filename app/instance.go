package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/gofrs/flock"
)

// ErrAlreadyRunning means another Paywatch holds the instance lock.
var ErrAlreadyRunning = errors.New("Paywatch is already running")

// Instance is the lock that keeps a second Paywatch from adding a second tray icon.
type Instance struct{ lock *flock.Flock }

// LockDir is where the instance lock lives: the runtime folder on Linux, else the cache folder.
func LockDir() (string, error) {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" && runtime.GOOS == "linux" {
		return filepath.Join(d, "paywatch"), nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "paywatch"), nil
}

// AcquireInstance takes the lock in dir, or returns ErrAlreadyRunning. The operating system
// drops the lock when the process ends, even after a crash.
func AcquireInstance(dir string) (*Instance, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("instance lock: %w", err)
	}
	l := flock.New(filepath.Join(dir, "paywatch.lock"))
	ok, err := l.TryLock()
	if err != nil {
		return nil, fmt.Errorf("instance lock: %w", err)
	}
	if !ok {
		return nil, ErrAlreadyRunning
	}
	return &Instance{lock: l}, nil
}

// Release drops the lock.
func (i *Instance) Release() error { return i.lock.Unlock() }
