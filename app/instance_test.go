package app

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSecondInstanceIsRefused(t *testing.T) {
	dir := t.TempDir()
	first, err := AcquireInstance(dir)
	if err != nil {
		t.Fatalf("first AcquireInstance: %v", err)
	}
	if _, err := AcquireInstance(dir); !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("second AcquireInstance error = %v, want ErrAlreadyRunning", err)
	}
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	again, err := AcquireInstance(dir)
	if err != nil {
		t.Fatalf("AcquireInstance after release: %v", err)
	}
	again.Release()
}

func TestWaitForDisplay(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if HasDisplay(getenv) {
		t.Fatal("HasDisplay with no DISPLAY or WAYLAND_DISPLAY = true")
	}
	if err := WaitForDisplay(context.Background(), 0, getenv); !errors.Is(err, ErrNoDisplay) {
		t.Fatalf("WaitForDisplay = %v, want ErrNoDisplay", err)
	}
	env["WAYLAND_DISPLAY"] = "wayland-0"
	if err := WaitForDisplay(context.Background(), time.Second, getenv); err != nil {
		t.Fatalf("WaitForDisplay with WAYLAND_DISPLAY: %v", err)
	}
}
