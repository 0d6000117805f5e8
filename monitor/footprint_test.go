package monitor

import (
	"cmp"
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// What keeps the engine's cost per check flat however many services there are (issue 14).

// TestLastParseKeepsNoBodyCopy: a checker that keeps its parse makes the fetcher keep only the
// validators; the 304 that comes while no report is kept (the last parse failed) is followed by
// a full fetch; and a caller that needs the body (GetJSON) is never handed a 304 without one.
func TestLastParseKeepsNoBodyCopy(t *testing.T) {
	var mu sync.Mutex
	body := `{"name":"first"}`
	rs := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		b := body
		mu.Unlock()
		w.Header().Set("ETag", `"`+b+`"`)
		if r.Header.Get("If-None-Match") == `"`+b+`"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write([]byte(b))
	})
	f := testFetcher(t, "Paywatch test")
	parse := func(r io.Reader) (Report, error) {
		b, _ := io.ReadAll(r)
		name, ok := strings.CutPrefix(string(b), `{"name":"`)
		if !ok {
			return Report{}, &PayloadError{Platform: "test", Detail: "not a page"}
		}
		return Report{PageName: strings.TrimSuffix(name, `"}`)}, nil
	}
	c := NewPageChecker(Page{URL: rs.URL, Parse: parse}, f)
	ctx := context.Background()
	if _, err := c.Check(ctx); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	kept := f.cache[cacheKey{"GET", rs.URL}]
	f.mu.Unlock()
	if kept.etag == "" || kept.body != nil {
		t.Errorf("after a checked page the fetcher keeps etag %q and %d bytes, want the etag and no body", kept.etag, len(kept.body))
	}

	// A caller that needs the body gets it in full: no validators were kept for it.
	resp, err := f.GetJSON(ctx, rs.URL)
	if err != nil || resp.NotModified || string(resp.Body) != `{"name":"first"}` {
		t.Fatalf("GetJSON after a checked page: %v, not modified %v, body %q; want the full body", err, resp != nil && resp.NotModified, body)
	}
	if got := rs.requests()[1].ifNoneMatch; got != "" {
		t.Errorf("GetJSON sent If-None-Match %q, want none (no body kept to repeat)", got)
	}

	// A body that fails to parse, then a 304 for it: fetched again in full, and parsed again.
	mu.Lock()
	body = `{"title":"broken"}`
	mu.Unlock()
	if _, err := c.Check(ctx); err == nil {
		t.Fatal("a broken page parsed")
	}
	before := len(rs.requests())
	if _, err := c.Check(ctx); err == nil {
		t.Fatal("the 304 after a broken page brought a report back")
	}
	seen := rs.requests()[before:]
	if len(seen) != 2 || seen[0].ifNoneMatch == "" || seen[1].ifNoneMatch != "" {
		t.Errorf("the 304 after a broken page made requests %+v, want a conditional one then a full one", seen)
	}
}

// TestLastParseSameNews: a new body that says what the last one did gives back the report kept,
// the very same slices, so that the tracker sees it unchanged without looking inside.
func TestLastParseSameNews(t *testing.T) {
	var l LastParse
	// Each parse makes new slices, as a new body does (its updated_at is not in the report).
	parse := func() (Report, error) {
		return Report{PageName: "Acme", Components: []Component{{ID: "c1", Name: "API", State: StateOperational}}}, nil
	}
	first, _ := l.Parse(false, parse)
	second, _ := l.Parse(false, parse)
	if !same(first.Components, second.Components) {
		t.Errorf("a body with the same news gave a new report")
	}
	third, _ := l.Parse(false, func() (Report, error) {
		return Report{PageName: "Acme", Components: []Component{{ID: "c1", Name: "API", State: StateMajorOutage}}}, nil
	})
	if third.Components[0].State != StateMajorOutage {
		t.Errorf("a changed component was not taken: %+v", third.Components)
	}
}

// TestGateSharesAnUnchangedPicture: updates after checks that changed nothing but their times
// carry the picture sent before, not a rebuilt one; the times follow within timesRefresh, and
// real news at once.
func TestGateSharesAnUnchangedPicture(t *testing.T) {
	g := newTestGate(false)
	g.Start(gateT0, gateT0)
	at := func(d time.Duration) time.Time { return gateT0.Add(d) }
	bank := func(s step) ServiceStatus {
		t.Helper()
		if s.Update == nil {
			t.Fatal("no update")
		}
		for _, sv := range s.Update.Snapshot.Services {
			if sv.ID == "bank" {
				return sv
			}
		}
		t.Fatal("no bank in the snapshot")
		return ServiceStatus{}
	}
	first := g.OnBatch([]Observation{pageSays(StateOperational)(at(time.Second))}, at(time.Second))
	if sv := bank(first); sv.State != StateOperational || !sv.CheckedAt.Equal(at(time.Second)) {
		t.Fatalf("first check: %v checked %v", sv.State, sv.CheckedAt)
	}
	again := g.OnBatch([]Observation{pageSays(StateOperational)(at(2 * time.Second))}, at(2*time.Second))
	if !sameServices(first, again) {
		t.Errorf("a check that changed nothing rebuilt the picture")
	}
	later := at(time.Second + timesRefresh)
	refreshed := g.OnBatch([]Observation{pageSays(StateOperational)(later)}, later)
	if sameServices(first, refreshed) || !bank(refreshed).CheckedAt.Equal(later) {
		t.Errorf("after %s the check time is %v, want %v", timesRefresh, bank(refreshed).CheckedAt, later)
	}
	news := at(time.Second + timesRefresh + time.Second)
	changed := g.OnBatch([]Observation{pageSays(StateMajorOutage)(news)}, news)
	if sv := bank(changed); sv.State != StateMajorOutage || !sv.CheckedAt.Equal(news) {
		t.Errorf("an outage shows %v checked %v, want it at once", sv.State, sv.CheckedAt)
	}
}

func sameServices(a, b step) bool {
	return a.Update != nil && b.Update != nil && same(a.Update.Snapshot.Services, b.Update.Snapshot.Services)
}

// TestCleanedSharesCleanText: cleaning a report whose text is clean copies nothing (the tracker
// keeps the page's own slices, one copy per page); a report with text to clean gets new slices
// and is itself left as it was (reports are never modified once made).
func TestCleanedSharesCleanText(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clean := Report{PageName: "Acme", Indicator: StateOperational,
		Components:   []Component{{ID: "c1", Name: "Card payments", Group: "EU"}, {ID: "c2", Name: "Payouts"}},
		Incidents:    []Incident{{ID: "i1", Title: "Slow payouts", Status: "investigating", LatestUpdate: "Looking.", CreatedAt: at}},
		Maintenances: []Maintenance{{ID: "m1", Title: "Database upgrade", Status: "scheduled"}},
		Probe:        &ProbeResult{Verdict: "reachable", Reason: "answered in 80 ms"},
	}
	got := clean.cleaned()
	if !same(got.Components, clean.Components) || !same(got.Incidents, clean.Incidents) || !same(got.Maintenances, clean.Maintenances) || got.Probe != clean.Probe {
		t.Errorf("a clean report was copied: components %v, incidents %v, maintenances %v, probe %v shared; want all shared",
			same(got.Components, clean.Components), same(got.Incidents, clean.Incidents), same(got.Maintenances, clean.Maintenances), got.Probe == clean.Probe)
	}

	dirty := clean
	dirty.Components = []Component{{ID: "c1", Name: "Card payments"}, {ID: "c2", Name: "<b>Payouts</b>", Group: " EU  cards"}}
	got = dirty.cleaned()
	if same(got.Components, dirty.Components) || got.Components[1].Name != "Payouts" || got.Components[1].Group != "EU cards" || got.Components[0] != dirty.Components[0] {
		t.Errorf("cleaned components %+v, want a copy with the second name cleaned", got.Components)
	}
	if dirty.Components[1].Name != "<b>Payouts</b>" {
		t.Errorf("cleaning changed the report it was given: %q", dirty.Components[1].Name)
	}
	if !same(got.Incidents, clean.Incidents) {
		t.Error("clean incidents were copied along with dirty components")
	}

	// An update whose text is cleaned keeps the text as published beside it, for the history.
	dirty = clean
	dirty.Incidents = []Incident{{ID: "i1", Title: "Slow payouts", LatestUpdate: "<b>Fixed</b>"}}
	in := dirty.cleaned().Incidents[0]
	if in.LatestUpdate != "Fixed" || in.Published != "<b>Fixed</b>" || dirty.Incidents[0].Published != "" {
		t.Errorf("cleaned update %q published %q (given %+v), want \"Fixed\" published \"<b>Fixed</b>\"", in.LatestUpdate, in.Published, dirty.Incidents[0])
	}
}

// TestTrackerKeepsOneCopyOfAPage: the components a page gave are the very ones the tracker's
// picture shows (no copy of the report is kept beside them), through a 304 that repeats the
// report and a refresh of the picture; a page whose text needed cleaning, or a service with a
// component filter, keeps the report as given apart, and an unchanged answer is still seen as
// unchanged then.
func TestTrackerKeepsOneCopyOfAPage(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	page := func(comps ...Component) Report {
		return Report{PageName: "Acme", Indicator: StateOperational, Components: comps}
	}
	cases := []struct {
		name     string
		filter   ComponentFilter
		report   Report
		keepsRaw bool
	}{
		{"clean", ComponentFilter{}, page(Component{ID: "c1", Name: "Card payments", State: StateOperational}, Component{ID: "c2", Name: "Payouts", State: StateOperational}), false},
		{"markup", ComponentFilter{}, page(Component{ID: "c1", Name: "<b>Card payments</b>", State: StateOperational}), true},
		{"filtered", ComponentFilter{Include: []string{"Payouts"}}, page(Component{ID: "c1", Name: "Card payments", State: StateOperational}, Component{ID: "c2", Name: "Payouts", State: StateOperational}), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := NewTracker([]ServiceSpec{{ID: "acme", Name: "Acme", Filter: c.filter, Targets: []Target{{ServiceID: "acme", SourceID: "page", Kind: KindPage}}}}, Thresholds{})
			key := Target{ServiceID: "acme", SourceID: "page"}.Key()
			tr.Observe(Observation{Target: key, At: at, Report: c.report})
			ts := tr.byTarget[key]
			if (ts.raw != nil) != c.keepsRaw {
				t.Errorf("report as given kept apart: %v, want %v", ts.raw != nil, c.keepsRaw)
			}
			first := tr.view()[0].Components
			if !c.keepsRaw && !same(first, c.report.Components) {
				t.Error("the picture's components are a copy of the page's")
			}
			// A 304 gives back the very same report; a refresh of the picture for the new check
			// time keeps the components as they were.
			tr.Observe(Observation{Target: key, At: at.Add(time.Minute), Report: c.report})
			if tr.Changed() {
				t.Error("an unchanged answer changed the picture")
			}
			if got := tr.view()[0]; !same(got.Components, first) || !got.CheckedAt.Equal(at.Add(time.Minute)) {
				t.Errorf("after a 304: components shared %v, checked %v; want shared, at the new time", same(got.Components, first), got.CheckedAt)
			}
			// The same news in a new body (equal, not the same slices) is unchanged too.
			again := c.report
			again.Components = slices.Clone(c.report.Components)
			tr.Observe(Observation{Target: key, At: at.Add(2 * time.Minute), Report: again})
			if tr.Changed() || !same(tr.view()[0].Components, first) {
				t.Error("a new body with the same news changed the picture")
			}
		})
	}
}

// TestCleanedAsBefore: cleaning without copies gives the texts cleaning with copies gave, for
// every mix of clean and dirty texts (Published aside: it is now set only when the update's
// text changed, and read as cmp.Or(Published, LatestUpdate), which is the same).
func TestCleanedAsBefore(t *testing.T) {
	texts := []string{"Card payments", "<b>Payouts</b>", " EU  cards", ""}
	var r Report
	for _, a := range texts {
		for _, b := range texts {
			r.Components = append(r.Components, Component{Name: a, Group: b})
			r.Incidents = append(r.Incidents, Incident{Title: a, Status: b, LatestUpdate: a + "\n\n" + b})
			r.Resolved = append(r.Resolved, Incident{Title: b, Status: a, LatestUpdate: b})
			r.Maintenances = append(r.Maintenances, Maintenance{Title: a, Status: b})
		}
	}
	r.Probe = &ProbeResult{Verdict: "reachable", Reason: "<i>slow</i>"}
	got := r.cleaned()
	for i, c := range r.Components {
		if g := got.Components[i]; g.Name != PageLine(c.Name) || g.Group != PageLine(c.Group) {
			t.Errorf("component %+v cleaned to %+v", c, g)
		}
	}
	for _, list := range [][2][]Incident{{r.Incidents, got.Incidents}, {r.Resolved, got.Resolved}} {
		for i, in := range list[0] {
			g := list[1][i]
			if g.Title != PageLine(in.Title) || g.Status != PageLine(in.Status) || g.LatestUpdate != PageText(in.LatestUpdate) ||
				cmp.Or(g.Published, g.LatestUpdate) != in.LatestUpdate {
				t.Errorf("incident %+v cleaned to %+v", in, g)
			}
		}
	}
	for i, m := range r.Maintenances {
		if g := got.Maintenances[i]; g.Title != PageLine(m.Title) || g.Status != PageLine(m.Status) {
			t.Errorf("maintenance %+v cleaned to %+v", m, g)
		}
	}
	if got.Probe.Verdict != "reachable" || got.Probe.Reason != "slow" || r.Probe.Reason != "<i>slow</i>" {
		t.Errorf("probe cleaned to %+v (given %+v)", *got.Probe, *r.Probe)
	}
}
