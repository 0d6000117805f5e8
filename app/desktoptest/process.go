//go:build linux

package desktoptest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a goroutine-safe output sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

// proc is a started child process in its own process group.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	err  error // valid after done is closed
}

func startProc(name string, cmd *exec.Cmd) (*proc, error) {
	p := &proc{name: name, cmd: cmd, out: &syncBuffer{}, done: make(chan struct{})}
	if cmd.Stdout == nil {
		cmd.Stdout = p.out
	}
	if cmd.Stderr == nil {
		cmd.Stderr = p.out
	}
	// Own process group, so that stop also reaches grandchildren; SIGKILL
	// when the test binary dies without running its cleanups (e.g. killed
	// by go test -timeout).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 2 * time.Second
	var err error
	onSpawnThread(func() { err = cmd.Start() })
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

var spawner struct {
	once sync.Once
	ch   chan func()
}

// onSpawnThread runs f on an OS thread that lives as long as the process.
// Pdeathsig fires when the *thread* that forked the child exits, not the
// process (see syscall.SysProcAttr), so children are started from a
// goroutine locked to a thread that never exits.
func onSpawnThread(f func()) {
	spawner.once.Do(func() {
		spawner.ch = make(chan func())
		go func() {
			runtime.LockOSThread() // never unlocked: the thread is never reused or ended
			for f := range spawner.ch {
				f()
			}
		}()
	})
	done := make(chan struct{})
	spawner.ch <- func() { defer close(done); f() }
	<-done
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *proc) exitErr() error {
	select {
	case <-p.done:
		return p.err
	default:
		return errors.New("still running")
	}
}

// stop sends SIGTERM to the process group, then SIGKILL after grace, and
// waits for the process to be reaped.
func (p *proc) stop(grace time.Duration) {
	pgid := -p.cmd.Process.Pid
	if !p.exited() {
		_ = syscall.Kill(pgid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(grace):
		}
	}
	// Always kill the group: children of an exited leader may remain.
	_ = syscall.Kill(pgid, syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
	}
}

// Process is a program started on a Desktop with StartApp.
type Process struct {
	p *proc
}

// StartApp starts the program at path with args on this desktop (Env set,
// stdout and stderr captured). In t.Cleanup the process (group) gets SIGTERM,
// then SIGKILL after 5 s; its output is logged when the test failed.
func (d *Desktop) StartApp(t testing.TB, path string, args ...string) *Process {
	t.Helper()
	cmd := d.Command(path, args...)
	cmd.Dir = d.home
	p, err := startProc(filepath.Base(path), cmd)
	if err != nil {
		t.Fatalf("desktoptest: %v", err)
	}
	t.Cleanup(func() {
		p.stop(5 * time.Second)
		if t.Failed() || testing.Verbose() {
			t.Logf("desktoptest: %s (pid %d) exit: %v; output:\n%s", p.name, cmd.Process.Pid, p.err, p.out.String())
		}
	})
	return &Process{p: p}
}

// PID returns the process ID.
func (p *Process) PID() int { return p.p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.p.done }

// Exited reports whether the process has exited.
func (p *Process) Exited() bool { return p.p.exited() }

// Wait waits for the process to exit and returns its exit error (nil for
// exit status 0), or ctx's error if it is still running when ctx ends.
func (p *Process) Wait(ctx context.Context) error {
	select {
	case <-p.p.done:
		return p.p.err
	case <-ctx.Done():
		return fmt.Errorf("desktoptest: %s (pid %d) still running: %w", p.p.name, p.PID(), ctx.Err())
	}
}

// ExitCode returns the exit code, or -1 if the process is running or was
// killed by a signal.
func (p *Process) ExitCode() int {
	if !p.p.exited() {
		return -1
	}
	return p.p.cmd.ProcessState.ExitCode()
}

// Output returns everything the process wrote to stdout and stderr so far.
func (p *Process) Output() string { return p.p.out.String() }

// Signal sends sig to the process (not its group).
func (p *Process) Signal(sig os.Signal) error { return p.p.cmd.Process.Signal(sig) }

// Stop sends SIGTERM to the process group, waits up to grace, then kills it.
func (p *Process) Stop(grace time.Duration) { p.p.stop(grace) }

// ---------------------------------------------------------------------------
// Building binaries once per test process.

type buildResult struct {
	once sync.Once
	path string
	out  string
	err  error
}

var builds struct {
	mu      sync.Mutex
	dir     string
	results map[string]*buildResult
}

// Build compiles the main package pkg (an import path, or a path relative to
// the test's working directory such as "./testdata/trayapp") with
// "go build -o <tmp> flags... pkg" and returns the binary's path. The build
// runs at most once per test process for each (pkg, flags); concurrent callers
// wait for it. Binaries live in a shared temporary directory: call
// CleanupBuilds from TestMain after m.Run to remove it.
//
// A cold build of a Fyne program compiles GLFW's C code and can take minutes.
func Build(t testing.TB, pkg string, flags ...string) string {
	t.Helper()
	goBin := requireTool(t, "go", "golang-go")
	key := pkg + "\x00" + strings.Join(flags, "\x00")
	builds.mu.Lock()
	if builds.results == nil {
		builds.results = map[string]*buildResult{}
	}
	if builds.dir == "" {
		dir, err := os.MkdirTemp("", "desktoptest-bin-")
		if err != nil {
			builds.mu.Unlock()
			t.Fatalf("desktoptest: %v", err)
		}
		builds.dir = dir
	}
	r := builds.results[key]
	if r == nil {
		r = &buildResult{path: filepath.Join(builds.dir, fmt.Sprintf("bin%d-%s", len(builds.results), filepath.Base(pkg)))}
		builds.results[key] = r
	}
	builds.mu.Unlock()

	r.once.Do(func() {
		start := time.Now()
		var err error
		args := append([]string{"build", "-o", r.path}, flags...)
		args = append(args, pkg)
		cmd := exec.Command(goBin, args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		onSpawnThread(func() { err = cmd.Start() })
		if err == nil {
			err = cmd.Wait()
		}
		r.out = out.String()
		if err != nil {
			r.err = fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, r.out)
			return
		}
		t.Logf("desktoptest: built %s in %v", pkg, time.Since(start).Round(time.Millisecond))
	})
	if r.err != nil {
		t.Fatalf("desktoptest: %v", r.err)
	}
	return r.path
}

// CleanupBuilds removes the binaries made by Build. Call it from TestMain
// after m.Run.
func CleanupBuilds() {
	builds.mu.Lock()
	defer builds.mu.Unlock()
	if builds.dir != "" {
		os.RemoveAll(builds.dir)
	}
	builds.dir = ""
	builds.results = nil
}
