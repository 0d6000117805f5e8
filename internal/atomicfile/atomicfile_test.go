package atomicfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/paywatch/paywatch/internal/atomicfile"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "state.json")
	if err := atomicfile.Write(path, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	old, _ := os.Stat(path)
	if err := atomicfile.Write(path, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	st, _ := os.Stat(path)
	if string(b) != "two" || st.Mode().Perm() != 0o600 {
		t.Errorf("file = %q mode %v, want \"two\" 0600", b, st.Mode().Perm())
	}
	if os.SameFile(old, st) {
		t.Error("the file was rewritten in place, not replaced")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "sub", ".*")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}
