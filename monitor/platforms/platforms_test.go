package platforms_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/platforms"
)

func TestTableEntries(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range platforms.All() {
		t.Run(p.Name, func(t *testing.T) {
			if p.Name == "" || p.Label == "" || p.New == nil || p.Parse == nil || p.Example == "" || len(p.Detect) == 0 {
				t.Fatalf("entry %+v lacks a name, label, checker, parser, example or detection hints", p)
			}
			if seen[p.Name] {
				t.Errorf("name %q appears twice", p.Name)
			}
			seen[p.Name] = true
			if c := p.New("https://status.example.com", nil); c == nil {
				t.Error("New returned no checker")
			}
		})
	}
}

// Every entry's parser reads the example it names, a payload in its platform's testdata.
func TestParsersReadTheirExamples(t *testing.T) {
	for _, p := range platforms.All() {
		t.Run(p.Name, func(t *testing.T) {
			f, err := os.Open(filepath.Join("..", filepath.FromSlash(p.Example)))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r, err := p.Parse(f)
			if err != nil {
				t.Fatalf("Parse(%s): %v", p.Example, err)
			}
			if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got == monitor.StateUnknown {
				t.Errorf("Parse(%s) says nothing about the page: %+v", p.Example, r)
			}
		})
	}
}

// Config validation, checker registration and detection know the same platforms: the table's.
func TestOneListOfNames(t *testing.T) {
	names := platforms.Names()
	if len(names) != len(platforms.All()) {
		t.Fatalf("Names has %d names for %d entries", len(names), len(platforms.All()))
	}

	checkers := platforms.Checkers(nil, nil)
	if got := len(checkers); got != len(names) {
		t.Errorf("Checkers builds %d platforms, want %d", got, len(names))
	}
	for _, n := range names {
		if checkers[n] == nil {
			t.Errorf("Checkers has no builder for %q", n)
		}
	}

	var detected []string
	for _, c := range platforms.Candidates(nil) {
		if c.Parse == nil || c.Label == "" {
			t.Errorf("candidate %q lacks its parser or label", c.Platform)
		}
		if !slices.Contains(detected, c.Platform) {
			detected = append(detected, c.Platform)
		}
	}
	if !slices.Equal(detected, names) {
		t.Errorf("detection candidates %v, want the table's names %v", detected, names)
	}

	// Resolve refuses a platform outside the table, naming the table's platforms, and builds
	// every one inside it.
	b := monitor.Builders{
		Platforms: names,
		Page: func(platform, url string) (monitor.Checker, error) {
			build, ok := checkers[platform]
			if !ok {
				return nil, errors.New("no builder")
			}
			return build(url), nil
		},
	}
	cat, err := monitor.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	cfg := "services:\n"
	for _, n := range append(slices.Clone(names), "wordpress") {
		cfg += "  - {name: " + n + ", url: 'https://status.example.com', platform: " + n + "}\n"
	}
	c, err := monitor.ParseConfig([]byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	specs, err := monitor.Resolve(c, cat, b)
	want := fmt.Sprintf(`services[%d] (wordpress): platform: "wordpress" is not one Paywatch knows (%s)`, len(names)+1, strings.Join(names, ", "))
	if err == nil || err.Error() != want {
		t.Errorf("Resolve error = %v\nwant %s", err, want)
	}
	if len(specs) != len(names) {
		t.Errorf("Resolve built %d services, want %d", len(specs), len(names))
	}
}

// Detection tries the platforms in this order (PLATFORMS.md §14); feeds come after every API.
func TestCandidatesOrder(t *testing.T) {
	var got []string
	for _, c := range platforms.Candidates(nil) {
		if len(got) == 0 || got[len(got)-1] != c.Platform {
			got = append(got, c.Platform)
		}
	}
	want := "statuspage incidentio incidentio_widget instatus betterstack cachet statusio feed stripe slack gcp sorry statuspal"
	if strings.Join(got, " ") != want {
		t.Errorf("order = %s\nwant    %s", strings.Join(got, " "), want)
	}
}

// Google Cloud's history outgrows the default body cap: its checker and its detection use the
// big fetcher, and no other platform does.
func TestBigFetcher(t *testing.T) {
	big := monitor.NewFetcher(monitor.FetcherOptions{})
	for _, c := range platforms.Candidates(big) {
		if want := c.Platform == "gcp"; (c.Fetcher == big) != want {
			t.Errorf("%s: candidate uses the big fetcher: %v, want %v", c.Platform, c.Fetcher == big, want)
		}
	}

	body, err := os.ReadFile(filepath.Join("..", "gcp", "testdata", "operational.json"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()
	small := monitor.NewFetcher(monitor.FetcherOptions{MaxBody: 64})
	checkers := platforms.Checkers(small, big)
	if _, err := checkers["gcp"](srv.URL).Check(t.Context()); err != nil {
		t.Errorf("gcp through the big fetcher: %v", err)
	}
	var fe *monitor.FetchError
	if _, err := checkers["stripe"](srv.URL).Check(t.Context()); !errors.As(err, &fe) || fe.Kind != monitor.ErrTooLarge {
		t.Errorf("stripe through the small fetcher: got %v, want the body refused as too large", err)
	}
}

// The embedded catalog names only platforms in the table.
func TestCatalogPlatforms(t *testing.T) {
	cat, err := monitor.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	names := platforms.Names()
	for _, e := range cat.Entries {
		if e.URL != "" && !slices.Contains(names, e.Platform) {
			t.Errorf("%s: platform %q is not in the table %v", e.ID, e.Platform, names)
		}
	}
}
