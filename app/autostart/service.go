package autostart

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/kardianos/service"
)

// serviceBackend is an entry kept by kardianos/service: a systemd unit, a
// LaunchAgent or LaunchDaemon, a Windows service.
type serviceBackend struct {
	svc  service.Service
	name string // Method
	// path is the file the service manager reads; content is what install
	// writes there, compared to spot an out-of-date entry. An empty path
	// (Windows services) means kardianos' Status tells whether it exists.
	path    string
	content string
	// where is shown as the location when there is no path.
	where string
	// enabled, when set, says whether a present entry is switched on.
	enabled func() (bool, error)
	// removeOnly makes uninstall just delete the file: kardianos unloads a
	// LaunchAgent first, which would quit the tray that unticked its own
	// "Start at login" box.
	removeOnly bool
	// stopFirst makes uninstall stop the service first (headless).
	stopFirst bool
	// cleanup lists extra files that a failed uninstall may leave (the
	// systemd .wants link when systemctl cannot be reached).
	cleanup []string
	// afterInstall runs once kardianos has installed the entry.
	afterInstall func() error
}

// newService wraps service.New for managing (not running) a service.
func newService(cfg *service.Config) (service.Service, error) {
	s, err := service.New(idle{}, cfg)
	if err != nil {
		return nil, fmt.Errorf("autostart: %w", err)
	}
	return s, nil
}

// idle is the service.Interface for a Manager, which never runs the service.
type idle struct{}

func (idle) Start(service.Service) error { return nil }
func (idle) Stop(service.Service) error  { return nil }

func (b *serviceBackend) method() string { return b.name }
func (b *serviceBackend) location() string {
	if b.path == "" {
		return b.where
	}
	return b.path
}
func (b *serviceBackend) managed() bool { return true }

func (b *serviceBackend) state() (entryState, error) {
	if b.path == "" {
		_, err := b.svc.Status()
		switch {
		case errors.Is(err, service.ErrNotInstalled):
			return absent, nil
		case err != nil && !isFailedState(err):
			return absent, err
		}
		return current, nil
	}
	data, err := os.ReadFile(b.path)
	if errors.Is(err, fs.ErrNotExist) {
		return absent, nil
	}
	if err != nil {
		return absent, err
	}
	if b.enabled != nil {
		on, err := b.enabled()
		if err != nil {
			return absent, err
		}
		if !on {
			return disabled, nil
		}
	}
	if b.content != "" && string(data) != b.content {
		return outdated, nil
	}
	return current, nil
}

func (b *serviceBackend) install() error {
	if err := b.svc.Install(); err != nil {
		// kardianos writes the file before it enables it: leave nothing
		// half done that status would take for installed.
		if b.path != "" {
			_ = removeIfExists(b.path)
		}
		return err
	}
	if b.afterInstall != nil {
		return b.afterInstall()
	}
	return nil
}

func (b *serviceBackend) uninstall() error {
	if b.removeOnly {
		return removeIfExists(b.path)
	}
	if b.stopFirst {
		if run, err := b.running(); err == nil && run {
			_ = b.svc.Stop()
		}
	}
	err := b.svc.Uninstall()
	if err == nil || b.path == "" {
		return err
	}
	// systemctl may fail (no user manager to talk to) before kardianos
	// removes the file. With the file gone the service manager has nothing
	// left to start, so remove it, and the enable link, and call it done.
	if rmErr := removeIfExists(b.path); rmErr != nil {
		return errors.Join(err, rmErr)
	}
	for _, p := range b.cleanup {
		_ = removeIfExists(p)
	}
	return nil
}

func (b *serviceBackend) running() (bool, error) {
	st, err := b.svc.Status()
	switch {
	case errors.Is(err, service.ErrNotInstalled), isFailedState(err):
		return false, nil
	case err != nil:
		return false, err
	}
	return st == service.StatusRunning, nil
}

func (b *serviceBackend) start() error { return b.svc.Start() }
func (b *serviceBackend) stop() error  { return b.svc.Stop() }

// isFailedState matches kardianos' error for a systemd unit that failed:
// installed, not running.
func isFailedState(err error) bool {
	return err != nil && strings.Contains(err.Error(), "failed state")
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
