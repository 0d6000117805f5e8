package stripe

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/sourcetest"
)

func TestContract(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "partial_outage.json"))
	if err != nil {
		t.Fatal(err)
	}
	sourcetest.Contract(t, func(base string, f *monitor.Fetcher) monitor.Checker { return New(base, f) },
		map[string][]byte{"/current": body}, monitor.StatePartialOutage)
}
