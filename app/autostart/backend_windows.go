package autostart

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"unsafe"

	"github.com/kardianos/service"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
	"golang.org/x/sys/windows/svc/mgr"
)

const (
	runKey = `Software\Microsoft\Windows\CurrentVersion\Run`
	// approvedKey is where Task Manager's Startup tab records that the
	// user switched an entry off.
	approvedKey = `Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run`
)

func newBackends(o Options) ([]backend, func() backend, error) {
	if o.Headless {
		svc, err := newService(&service.Config{
			Name:        o.Name,
			DisplayName: o.DisplayName,
			Description: o.Description,
			Executable:  o.Executable,
			Arguments:   o.Args,
			Option: service.KeyValue{
				"StartType":              "automatic",
				"DelayedAutoStart":       true, // after the network is up
				"OnFailure":              "restart",
				"OnFailureDelayDuration": "10s",
				"OnFailureResetPeriod":   3600,
			},
		})
		if err != nil {
			return nil, nil, err
		}
		b := &serviceBackend{
			svc:          svc,
			name:         MethodWindowsService,
			where:        o.Name,
			stopFirst:    true,
			afterInstall: func() error { return restartOnErrorExit(o.Name) },
		}
		return []backend{b}, func() backend { return b }, nil
	}
	b := &runValueBackend{
		name:  o.DisplayName,
		value: RunValue(o.Executable, o.Args),
		exe:   o.Executable,
		args:  o.Args,
	}
	return []backend{b}, func() backend { return b }, nil
}

// restartOnErrorExit makes the recovery actions apply when the service
// stops with an error code, not only when it crashes.
func restartOnErrorExit(name string) error {
	m, err := mgr.Connect()
	if err != nil {
		return err
	}
	defer m.Disconnect()
	s, err := m.OpenService(name)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.SetRecoveryActionsOnNonCrashFailures(true)
}

// runValueBackend is the per-user HKCU Run value that Windows reads at
// login.
type runValueBackend struct {
	name  string // value name
	value string // command line
	exe   string
	args  []string
}

func (r *runValueBackend) method() string   { return MethodRunValue }
func (r *runValueBackend) location() string { return `HKCU\` + runKey + `\` + r.name }
func (r *runValueBackend) managed() bool    { return false }

func (r *runValueBackend) state() (entryState, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return absent, nil
	}
	if err != nil {
		return absent, err
	}
	defer k.Close()
	v, _, err := k.GetStringValue(r.name)
	if errors.Is(err, registry.ErrNotExist) {
		return absent, nil
	}
	if err != nil {
		return absent, err
	}
	if r.switchedOff() {
		return disabled, nil
	}
	if v != r.value {
		return outdated, nil
	}
	return current, nil
}

// switchedOff reports whether Task Manager's Startup tab disabled the
// value: an odd first byte in StartupApproved.
func (r *runValueBackend) switchedOff() bool {
	k, err := registry.OpenKey(registry.CURRENT_USER, approvedKey, registry.QUERY_VALUE)
	if err != nil {
		return false
	}
	defer k.Close()
	b, _, err := k.GetBinaryValue(r.name)
	return err == nil && len(b) > 0 && b[0]&1 == 1
}

func (r *runValueBackend) install() error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	if err := k.SetStringValue(r.name, r.value); err != nil {
		return err
	}
	return r.clearApproval()
}

func (r *runValueBackend) uninstall() error {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if err != nil && !errors.Is(err, registry.ErrNotExist) {
		return err
	}
	if err == nil {
		defer k.Close()
		if err := k.DeleteValue(r.name); err != nil && !errors.Is(err, registry.ErrNotExist) {
			return err
		}
	}
	return r.clearApproval()
}

// clearApproval forgets a Task Manager "Disabled", so that an install
// takes effect.
func (r *runValueBackend) clearApproval() error {
	k, err := registry.OpenKey(registry.CURRENT_USER, approvedKey, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer k.Close()
	if err := k.DeleteValue(r.name); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return err
	}
	return nil
}

func (r *runValueBackend) running() (bool, error) {
	pids, err := findProcesses(r.exe)
	return len(pids) > 0, err
}

func (r *runValueBackend) start() error { return launch(r.exe, r.args) }

func (r *runValueBackend) stop() error {
	return errors.New("to stop Paywatch, choose Quit in its menu in the notification area")
}

// findProcesses returns the IDs of processes, other than this one, that run
// the program exe.
func findProcesses(exe string) ([]uint32, error) {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return nil, err
	}
	defer windows.CloseHandle(snap)
	self := uint32(os.Getpid())
	base := filepath.Base(exe)
	var pids []uint32
	e := windows.ProcessEntry32{Size: uint32(unsafe.Sizeof(windows.ProcessEntry32{}))}
	for err = windows.Process32First(snap, &e); err == nil; err = windows.Process32Next(snap, &e) {
		if e.ProcessID == self || !strings.EqualFold(windows.UTF16ToString(e.ExeFile[:]), base) {
			continue
		}
		if strings.EqualFold(processImage(e.ProcessID), exe) {
			pids = append(pids, e.ProcessID)
		}
	}
	if !errors.Is(err, windows.ERROR_NO_MORE_FILES) {
		return nil, err
	}
	return pids, nil
}

// processImage is the full path of a process's program, or "".
func processImage(pid uint32) string {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return ""
	}
	defer windows.CloseHandle(h)
	buf := make([]uint16, windows.MAX_LONG_PATH)
	n := uint32(len(buf))
	if err := windows.QueryFullProcessImageName(h, 0, &buf[0], &n); err != nil {
		return ""
	}
	return windows.UTF16ToString(buf[:n])
}

// launch starts exe detached from this console.
func launch(exe string, args []string) error {
	cmd := exec.Command(exe, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		CreationFlags: windows.DETACHED_PROCESS | windows.CREATE_NEW_PROCESS_GROUP,
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	return cmd.Process.Release()
}
