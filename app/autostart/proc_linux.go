package autostart

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// findProcesses returns the IDs of this user's processes, other than this
// one, that run the program exe.
func findProcesses(exe string) ([]int, error) {
	want := programNames(exe)
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		if slices.Contains(want, processExe(pid)) {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// programNames are the paths /proc may show for exe: as given, and with
// symlinks resolved.
func programNames(exe string) []string {
	if real, err := filepath.EvalSymlinks(exe); err == nil && real != exe {
		return []string{exe, real}
	}
	return []string{exe}
}

// processExe is the program a process runs, or "" when it cannot be read:
// another user's process, or one that has ended.
func processExe(pid int) string {
	target, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	if err != nil {
		return ""
	}
	// The program file was replaced (an update) while it ran.
	return strings.TrimSuffix(target, " (deleted)")
}

// launch starts exe in a session of its own, detached from this one, so it
// outlives the command that started it, and returns its process ID.
func launch(exe string, args []string) (int, error) {
	cmd := exec.Command(exe, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	pid := cmd.Process.Pid
	// Reap it when it ends, so that it does not linger as a zombie while this process lives
	// (a test; the CLI exits at once).
	go cmd.Wait()
	return pid, nil
}

// terminate asks each process to quit (SIGTERM, which Fyne apps handle as
// Quit) and waits up to timeout for them to end.
func terminate(exe string, pids []int, timeout time.Duration) error {
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("ask process %d to quit: %w", pid, err)
		}
	}
	want := programNames(exe)
	deadline := time.Now().Add(timeout)
	for {
		left := slices.DeleteFunc(slices.Clone(pids), func(pid int) bool {
			return !slices.Contains(want, processExe(pid)) // ended, or its ID reused
		})
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("paywatch (process %d) did not quit within %s", left[0], timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
