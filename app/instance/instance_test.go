package instance

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestLockHoldsOwner: the lock says who holds it; a second taker is refused with that ID; once
// released, nobody owns it, whatever the file still holds.
func TestLockHoldsOwner(t *testing.T) {
	dir := t.TempDir()
	name := Name(filepath.Join(dir, "team.yaml"), "")
	if pid, err := Owner(dir, name); pid != 0 || err != nil {
		t.Fatalf("before any lock: Owner = %d, %v; want 0, nil", pid, err)
	}
	l, err := Acquire(dir, name)
	if err != nil {
		t.Fatal(err)
	}
	if pid, err := Owner(dir, name); pid != os.Getpid() || err != nil {
		t.Errorf("held: Owner = %d, %v; want this process, %d", pid, err, os.Getpid())
	}
	_, err = Acquire(dir, name)
	var re *RunningError
	if !errors.Is(err, ErrAlreadyRunning) || !errors.As(err, &re) || re.PID != os.Getpid() {
		t.Errorf("second Acquire = %v, want ErrAlreadyRunning naming process %d", err, os.Getpid())
	}
	if other, err := Acquire(dir, Name(filepath.Join(dir, "other.yaml"), "")); err != nil {
		t.Errorf("a lock for another settings file: %v, want it taken", err)
	} else {
		other.Release()
	}
	l.Release()
	if pid, err := Owner(dir, name); pid != 0 || err != nil {
		t.Errorf("released: Owner = %d, %v; want 0, nil", pid, err)
	}
}

func TestName(t *testing.T) {
	if got := Name("", ""); got != "paywatch.lock" {
		t.Errorf(`Name("") = %q`, got)
	}
	a, b := Name("/etc/paywatch/a.yaml", ""), Name("/etc/paywatch/b.yaml", "")
	if a == b || a == "paywatch.lock" || Name("/etc/paywatch/../paywatch/a.yaml", "") != a || Name("/etc/paywatch/a.yaml", "/etc/paywatch/a.yaml") != "paywatch.lock" {
		t.Errorf("names %q, %q: want one per settings file, the same for the same file", a, b)
	}
}
