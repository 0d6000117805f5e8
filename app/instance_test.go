package app

import (
	"errors"
	"path/filepath"
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

// TestTrayAndSettingsFileLocks: the tray takes the user's lock and, for a settings file of its
// own, that file's lock too, which a headless Paywatch on the same file then cannot take.
func TestTrayAndSettingsFileLocks(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(t.TempDir(), "team.yaml")
	if IsDefaultConfig(cfg) || !IsDefaultConfig("") {
		t.Fatalf("IsDefaultConfig(%q) = %v, IsDefaultConfig(\"\") = %v", cfg, IsDefaultConfig(cfg), IsDefaultConfig(""))
	}
	tray, err := AcquireInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer tray.Release()
	file, err := AcquireInstanceFor(dir, cfg)
	if err != nil {
		t.Fatalf("the settings file's lock beside the user's: %v", err)
	}
	defer file.Release()
	if _, err := AcquireInstanceFor(dir, cfg); !errors.Is(err, ErrAlreadyRunning) {
		t.Errorf("a second Paywatch on the same file: %v, want ErrAlreadyRunning", err)
	}
}
