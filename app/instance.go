package app

import (
	"github.com/paywatch/paywatch/app/instance"
	"github.com/paywatch/paywatch/monitor"
)

// ErrAlreadyRunning means another Paywatch holds the instance lock.
var ErrAlreadyRunning = instance.ErrAlreadyRunning

// Instance is the lock that keeps a second Paywatch from adding a second tray icon.
type Instance struct{ lock *instance.Lock }

// LockDir is where the instance lock lives: the runtime folder on Linux, else the cache folder.
func LockDir() (string, error) { return instance.Dir() }

// AcquireInstance takes the lock for the default settings file in dir, or returns an error
// that is ErrAlreadyRunning (see instance.Acquire).
func AcquireInstance(dir string) (*Instance, error) { return AcquireInstanceFor(dir, "") }

// AcquireInstanceFor takes the lock for the settings file cfgPath ("" for the default one).
// Taking the default file's lock a second time in one process is refused like any other (see
// IsDefaultConfig).
func AcquireInstanceFor(dir, cfgPath string) (*Instance, error) {
	def, _ := monitor.ConfigPath()
	l, err := instance.Acquire(dir, instance.Name(cfgPath, def))
	if err != nil {
		return nil, err
	}
	return &Instance{lock: l}, nil
}

// Release drops the lock.
func (i *Instance) Release() error { return i.lock.Release() }

// IsDefaultConfig reports whether cfgPath ("" too) is the default settings file, whose lock is
// the one AcquireInstance takes.
func IsDefaultConfig(cfgPath string) bool {
	def, _ := monitor.ConfigPath()
	return instance.Name(cfgPath, def) == instance.Name("", "")
}
