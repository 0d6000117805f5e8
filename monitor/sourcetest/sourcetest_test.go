package sourcetest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/sourcetest"
)

// tiny is the smallest honest source: two endpoints, a strict shape, errors passed through.
type tiny struct {
	base string
	f    *monitor.Fetcher
}

func (c tiny) Check(ctx context.Context) (monitor.Report, error) {
	var rep monitor.Report
	for _, p := range []string{"/state.json", "/components.json"} {
		resp, err := c.f.GetJSON(ctx, c.base+p)
		if err != nil {
			return monitor.Report{}, err
		}
		var v struct {
			State      *string `json:"state"`
			Components []struct {
				Name, State string
			} `json:"components"`
		}
		dec := json.NewDecoder(bytes.NewReader(resp.Body))
		if err := dec.Decode(&v); err != nil {
			return monitor.Report{}, &monitor.PayloadError{Platform: "tiny", Detail: "it is not a tiny page", Err: err}
		}
		if v.State == nil && v.Components == nil {
			return monitor.Report{}, &monitor.PayloadError{Platform: "tiny", Detail: "it is not a tiny page"}
		}
		if v.State != nil {
			s, err := monitor.ParseState(*v.State)
			if err != nil {
				return monitor.Report{}, &monitor.PayloadError{Platform: "tiny", Detail: "its state is unknown", Err: err}
			}
			rep.Indicator = s
		}
		for _, c := range v.Components {
			s, _ := monitor.ParseState(c.State)
			rep.Components = append(rep.Components, monitor.Component{Name: c.Name, State: s})
		}
	}
	return rep, nil
}

func TestContractOnAHonestSource(t *testing.T) {
	sourcetest.Contract(t,
		func(base string, f *monitor.Fetcher) monitor.Checker { return tiny{base, f} },
		map[string][]byte{
			"/state.json":      []byte(`{"state":"degraded"}`),
			"/components.json": []byte(`{"components":[{"Name":"API","State":"partial_outage"},{"Name":"Web","State":"operational"}]}`),
		},
		monitor.StatePartialOutage)
}

// recorder catches CheckReport's complaints instead of failing the test.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestCheckReport(t *testing.T) {
	tests := []struct {
		name string
		r    monitor.Report
		bad  bool
	}{
		{"empty report", monitor.Report{}, false},
		{"good report", monitor.Report{
			Indicator:    monitor.StateDegraded,
			Components:   []monitor.Component{{ID: "a", Name: "API", State: monitor.StateDegraded}, {Name: "Web"}, {Name: "Docs"}},
			Incidents:    []monitor.Incident{{Title: "Slow API", Impact: monitor.StateDegraded}},
			Maintenances: []monitor.Maintenance{{Title: "Upgrade", InProgress: true, Status: "in progress"}, {Title: "Later"}},
		}, false},
		{"nameless component", monitor.Report{Components: []monitor.Component{{ID: "a", Name: " "}}}, true},
		{"state off the scale", monitor.Report{Components: []monitor.Component{{Name: "API", State: 9}}}, true},
		{"indicator off the scale", monitor.Report{Indicator: -1}, true},
		{"untitled incident", monitor.Report{Incidents: []monitor.Incident{{Impact: monitor.StateDegraded}}}, true},
		{"incident of unknown impact", monitor.Report{Incidents: []monitor.Incident{{Title: "Hmm"}}}, true},
		{"maintenance in progress without status", monitor.Report{Maintenances: []monitor.Maintenance{{Title: "Work", InProgress: true}}}, true},
		{"duplicate component ids", monitor.Report{Components: []monitor.Component{{ID: "x", Name: "A"}, {ID: "x", Name: "B"}}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			sourcetest.CheckReport(rec, tt.r)
			if got := len(rec.errs) > 0; got != tt.bad {
				t.Errorf("CheckReport complained %v (%q), want complaints %v", got, rec.errs, tt.bad)
			}
		})
	}
}
