package stripe

import (
	"testing"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/sourcetest"
)

func TestContract(t *testing.T) {
	sourcetest.Contract(t, func(base string, f *monitor.Fetcher) monitor.Checker { return New(base, f) },
		map[string][]byte{"/current": sourcetest.ReadFile(t, "testdata/partial_outage.json")},
		monitor.StatePartialOutage)
}
