package detect_test

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/betterstack"
	"github.com/paywatch/paywatch/monitor/cachet"
	"github.com/paywatch/paywatch/monitor/feed"
	"github.com/paywatch/paywatch/monitor/gcp"
	"github.com/paywatch/paywatch/monitor/incidentio"
	"github.com/paywatch/paywatch/monitor/instatus"
	"github.com/paywatch/paywatch/monitor/slack"
	"github.com/paywatch/paywatch/monitor/sorry"
	"github.com/paywatch/paywatch/monitor/sourcetest"
	"github.com/paywatch/paywatch/monitor/statusio"
	"github.com/paywatch/paywatch/monitor/statuspage"
	"github.com/paywatch/paywatch/monitor/statuspal"
	"github.com/paywatch/paywatch/monitor/stripe"
)

// corpusParsers is every parser Paywatch has, each reading one document.
var corpusParsers = map[string]func(io.Reader) (monitor.Report, error){
	"statuspage": statuspage.Parse,
	"statuspage incidents": func(r io.Reader) (monitor.Report, error) {
		ins, err := statuspage.ParseIncidents(r)
		return monitor.Report{Resolved: ins}, err
	},
	"incidentio": incidentio.Parse,
	"instatus":   instatus.Parse,
	"instatus components": func(r io.Reader) (monitor.Report, error) {
		c, err := instatus.ParseComponents(r)
		return monitor.Report{Components: c}, err
	},
	"statusio":    statusio.Parse,
	"betterstack": betterstack.Parse,
	"cachet components": func(r io.Reader) (monitor.Report, error) {
		c, err := cachet.ParseComponents(r)
		return monitor.Report{Components: c}, err
	},
	"cachet incidents": func(r io.Reader) (monitor.Report, error) {
		ins, ms, err := cachet.ParseIncidents(r)
		return monitor.Report{Incidents: ins, Maintenances: ms}, err
	},
	"cachet schedules": func(r io.Reader) (monitor.Report, error) {
		ms, err := cachet.ParseSchedules(r)
		return monitor.Report{Maintenances: ms}, err
	},
	"sorry": sorry.Parse,
	"sorry components": func(r io.Reader) (monitor.Report, error) {
		c, err := sorry.ParseComponents(r)
		return monitor.Report{Components: c}, err
	},
	"sorry notices": func(r io.Reader) (monitor.Report, error) {
		ins, ms, err := sorry.ParseNotices(r)
		return monitor.Report{Incidents: ins, Maintenances: ms}, err
	},
	"statuspal": statuspal.Parse,
	"slack":     slack.Parse,
	"gcp":       gcp.Parse,
	"stripe":    stripe.Parse,
	"feed":      feed.Parse,
}

// notPayloads are test files that are deliberately not a well-formed status document: no
// parser may read them, and none may panic on them.
var notPayloads = map[string]string{
	"feed/testdata/webpage.html":     "a web page, for the feed's trap test",
	"feed/testdata/not_a_feed.xml":   "XML that is not RSS or Atom",
	"slack/testdata/bad_status.json": "a status word Slack does not use",
	"slack/testdata/no_status.json":  "no status field",
	"gcp/testdata/no_id.json":        "Google Cloud incidents without ids",
	"gcp/testdata/object.json":       "an object where Google Cloud sends an array",
}

// noParser are shared fixtures of platforms Paywatch has no parser for.
var noParser = map[string]string{
	"heroku__statuscheck-heroku-incident.json": "Heroku's own status API",
}

// payloadExt are the files that hold status documents.
var payloadExt = []string{".json", ".xml", ".rss", ".atom", ".html", ".txt"}

// TestCorpusEveryParser runs every parser over every payload in the repository's testdata and in
// ../shared/fixtures (when present). No parser may panic on any of them; a well-formed payload
// must be read by at least one parser, and what it reads must not be unknown: not a rollup of
// unknown, not an incident of unknown impact.
func TestCorpusEveryParser(t *testing.T) {
	t.Run("repository", func(t *testing.T) {
		var files []string
		err := filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.Contains(filepath.ToSlash(p), "/testdata/") || !slices.Contains(payloadExt, filepath.Ext(p)) {
				return nil
			}
			files = append(files, p)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(files) < 40 {
			t.Fatalf("found %d payloads in the repository, want at least 40", len(files))
		}
		for _, p := range files {
			rel := filepath.ToSlash(strings.TrimPrefix(p, ".."+string(filepath.Separator)))
			_, bad := notPayloads[rel]
			checkPayload(t, rel, sourcetest.ReadFile(t, p), !bad)
		}
		for rel := range notPayloads {
			if _, err := os.Stat(filepath.Join("..", filepath.FromSlash(rel))); err != nil {
				t.Errorf("notPayloads lists %s, which is gone: %v", rel, err)
			}
		}
	})
	t.Run("shared fixtures", func(t *testing.T) {
		dir, _ := sourcetest.SharedFixtures(t)
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range entries {
			if e.IsDir() || !slices.Contains(payloadExt, filepath.Ext(e.Name())) {
				continue
			}
			n++
			_, none := noParser[e.Name()]
			checkPayload(t, e.Name(), sourcetest.ReadFile(t, filepath.Join(dir, e.Name())), !none)
		}
		if n == 0 {
			t.Fatal("no payloads in the shared fixtures")
		}
	})
}

// checkPayload runs every parser over one payload.
func checkPayload(t *testing.T, name string, body []byte, wellFormed bool) {
	t.Run(name, func(t *testing.T) {
		// readBy: parsers that accepted it; foundSome: those that also found something in it (a
		// lenient parser may accept a stranger's document and find nothing).
		var readBy, foundSome []string
		var problems []string
		for _, pn := range slices.Sorted(mapsKeys(corpusParsers)) {
			r, err, panicked := parseSafely(corpusParsers[pn], body)
			if panicked != "" {
				t.Errorf("%s panicked: %s", pn, panicked)
				continue
			}
			if err != nil {
				var pe *monitor.PayloadError
				if !asPayloadError(err, &pe) {
					t.Errorf("%s: error %v is not a *monitor.PayloadError", pn, err)
				}
				continue
			}
			if msg := unknownIn(r); msg != "" {
				problems = append(problems, pn+": "+msg)
				continue
			}
			readBy = append(readBy, pn)
			if !empty(r) {
				foundSome = append(foundSome, pn)
			}
		}
		switch {
		case wellFormed && len(readBy) == 0:
			t.Errorf("no parser reads it to a known state (%s)", strings.Join(problems, "; "))
		case !wellFormed && len(foundSome) > 0:
			t.Errorf("listed as not well-formed, but %v read it", foundSome)
		}
	})
}

func parseSafely(parse func(io.Reader) (monitor.Report, error), body []byte) (r monitor.Report, err error, panicked string) {
	defer func() {
		if p := recover(); p != nil {
			panicked = fmt.Sprint(p)
		}
	}()
	r, err = parse(bytes.NewReader(body))
	return r, err, ""
}

// empty reports whether a parser found nothing at all in a document.
func empty(r monitor.Report) bool {
	return r.Indicator == monitor.StateUnknown && r.PageName == "" && r.PageURL == "" && len(r.Components) == 0 &&
		len(r.Incidents) == 0 && len(r.Maintenances) == 0 && len(r.Resolved) == 0
}

// unknownIn says what in a report is unknown, or "".
func unknownIn(r monitor.Report) string {
	if s, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); s == monitor.StateUnknown {
		return "rolls up to unknown"
	}
	for _, in := range r.Incidents {
		if in.Impact == monitor.StateUnknown {
			return fmt.Sprintf("incident %q has an unknown impact", in.Title)
		}
	}
	return ""
}

func asPayloadError(err error, target **monitor.PayloadError) bool {
	for e := err; e != nil; {
		if pe, ok := e.(*monitor.PayloadError); ok {
			*target = pe
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}

func mapsKeys[M ~map[K]V, K comparable, V any](m M) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
