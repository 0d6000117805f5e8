package cli

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/configcheck")

// TestConfigCheckReportsEverything runs `paywatch config check` on each file in
// testdata/configcheck and compares what it says with the file's .out (blackbox_exporter's way
// of testing bad configs): every problem at once, each once and with its line, catalog ids,
// platforms and channel addresses included, nothing raw from the file reaching the terminal
// (issue 10 item 10). Run with -update to rewrite the .out files after changing a message.
func TestConfigCheckReportsEverything(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "configcheck", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := cmdConfig([]string{"check", path}, &out, &errOut)
			if code != 1 || out.Len() != 0 {
				t.Errorf("exit %d, stdout %q; want 1 and nothing", code, out.String())
			}
			got := strings.ReplaceAll(errOut.String(), path, "FILE")
			if strings.ContainsAny(got, "\x1b\a\x00") {
				t.Errorf("output carries control characters from the file: %q", got)
			}
			golden := strings.TrimSuffix(path, ".yaml") + ".out"
			if *updateGolden {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestConfigCheckReportsEverything -update to write it)", err)
			}
			if got != string(want) {
				t.Errorf("config check says\n%s\nwant\n%s", got, want)
			}
		})
	}
}
