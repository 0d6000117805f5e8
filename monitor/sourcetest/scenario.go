package sourcetest

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/paywatch/paywatch/monitor"
)

// Scenario is a test page (a file, or a folder of files, under a source's testdata) and what it
// must parse to.
type Scenario struct {
	File string
	// State is what the report rolls up to with no component filter.
	State monitor.State
	// Incident is the title of the first open incident; "" means there must be none.
	Incident string
	// Incidents is how many incidents are open when Incident is set; zero means one.
	Incidents int
	// Update and Status are the first incident's latest update and status. An empty Status is
	// not checked, for platforms whose incidents have none worth testing.
	Update, Status string
	// Maint is the title of the one maintenance; "" means there must be none.
	Maint      string
	InProgress bool
	// Starts and Ends are the maintenance's times, in RFC 3339.
	Starts, Ends string
}

// Check fails t where r, the parse of s.File, differs from s. It runs CheckReport too.
func (s Scenario) Check(t testing.TB, r monitor.Report) {
	t.Helper()
	CheckReport(t, r)
	if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != s.State {
		t.Errorf("Rollup = %v, want %v", got, s.State)
	}
	if s.Incident == "" {
		if len(r.Incidents) != 0 {
			t.Errorf("incidents = %+v, want none", r.Incidents)
		}
	} else {
		want := max(s.Incidents, 1)
		if len(r.Incidents) != want {
			t.Fatalf("got %d incidents (%+v), want %d", len(r.Incidents), r.Incidents, want)
		}
		in := r.Incidents[0]
		if in.Title != s.Incident || in.LatestUpdate != s.Update {
			t.Errorf("incident = %q / %q, want %q / %q", in.Title, in.LatestUpdate, s.Incident, s.Update)
		}
		if s.Status != "" && in.Status != s.Status {
			t.Errorf("incident status = %q, want %q", in.Status, s.Status)
		}
	}
	if s.Maint == "" {
		if len(r.Maintenances) != 0 {
			t.Errorf("maintenances = %+v, want none", r.Maintenances)
		}
		return
	}
	if len(r.Maintenances) != 1 {
		t.Fatalf("got %d maintenances (%+v), want 1", len(r.Maintenances), r.Maintenances)
	}
	m := r.Maintenances[0]
	if m.Title != s.Maint || m.InProgress != s.InProgress {
		t.Errorf("maintenance = %q in progress %v, want %q in progress %v", m.Title, m.InProgress, s.Maint, s.InProgress)
	}
	if !m.StartsAt.Equal(MustTime(t, s.Starts)) || !m.EndsAt.Equal(MustTime(t, s.Ends)) {
		t.Errorf("maintenance times = %v – %v, want %s – %s", m.StartsAt, m.EndsAt, s.Starts, s.Ends)
	}
}

// ExpectPayloadError fails t unless err is (or wraps) a *monitor.PayloadError: a body that
// arrived but is not what the platform sends.
func ExpectPayloadError(t testing.TB, err error) {
	t.Helper()
	var pe *monitor.PayloadError
	if !errors.As(err, &pe) {
		t.Fatalf("error = %v, want a *monitor.PayloadError", err)
	}
}

// CheckParsed checks what a parser made of arbitrary input, as fuzz targets do: an error must be
// a *monitor.PayloadError, a report must pass CheckReport. It reports whether there was a report.
func CheckParsed(t testing.TB, r monitor.Report, err error) bool {
	t.Helper()
	if err != nil {
		ExpectPayloadError(t, err)
		return false
	}
	CheckReport(t, r)
	return true
}

// Rejects checks that parse fails on each of bodies (named for their subtests) with a
// *monitor.PayloadError.
func Rejects(t *testing.T, parse func(io.Reader) (monitor.Report, error), bodies map[string]string) {
	t.Helper()
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			_, err := parse(strings.NewReader(body))
			ExpectPayloadError(t, err)
		})
	}
}
