package app

import (
	"errors"
	"testing"
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
