package autostart

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer for a logger written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startHeadless runs runHeadless in a goroutine and returns its result
// channel and log.
func startHeadless(t *testing.T, run func(context.Context) error, timeout time.Duration) (<-chan error, *syncBuffer) {
	t.Helper()
	forceSystem(t, "linux-systemd")
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	errc := make(chan error, 1)
	go func() { errc <- runHeadless(Options{}, run, logger, timeout) }()
	return errc, logs
}

func waitFor[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
	panic("unreachable")
}

func TestRunHeadlessStopsOnSIGTERM(t *testing.T) {
	started := make(chan struct{})
	cancelled := make(chan struct{})
	run := func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		close(cancelled)
		return ctx.Err()
	}
	errc, logs := startHeadless(t, run, 5*time.Second)
	waitFor(t, started, "run to start")
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := waitFor(t, errc, "RunHeadless to return"); err != nil {
		t.Errorf("RunHeadless returned %v after SIGTERM, want nil (a clean stop)", err)
	}
	select {
	case <-cancelled:
	default:
		t.Error("run's context was not cancelled")
	}
	for _, msg := range []string{"headless mode started", "headless mode stopped"} {
		if !strings.Contains(logs.String(), msg) {
			t.Errorf("log lacks %q:\n%s", msg, logs)
		}
	}
}

func TestRunHeadlessRunFails(t *testing.T) {
	boom := errors.New("config: bad interval")
	errc, logs := startHeadless(t, func(context.Context) error { return boom }, 5*time.Second)
	err := waitFor(t, errc, "RunHeadless to return")
	if !errors.Is(err, boom) {
		t.Fatalf("RunHeadless returned %v, want run's error", err)
	}
	if !strings.Contains(logs.String(), "headless mode failed") {
		t.Errorf("failure not logged:\n%s", logs)
	}
}

func TestRunHeadlessRunEnds(t *testing.T) {
	errc, _ := startHeadless(t, func(context.Context) error { return nil }, 5*time.Second)
	if err := waitFor(t, errc, "RunHeadless to return"); err != nil {
		t.Errorf("RunHeadless returned %v when run ended cleanly, want nil", err)
	}
}

func TestRunHeadlessStopTimeout(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	started := make(chan struct{})
	run := func(context.Context) error {
		close(started)
		<-release // ignores its context
		return nil
	}
	errc, _ := startHeadless(t, run, 100*time.Millisecond)
	waitFor(t, started, "run to start")
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := waitFor(t, errc, "RunHeadless to return")
	if err == nil || !strings.Contains(err.Error(), "after being asked to stop") {
		t.Errorf("RunHeadless returned %v, want a stop timeout", err)
	}
}
