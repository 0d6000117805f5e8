package monitor

import (
	"bytes"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// catalogCategories is the fixed set of category names the catalog may use.
var catalogCategories = []string{
	"Card networks and issuers",
	"Banks",
	"Payment processors",
	"Wallets and transfers",
	"Point of sale",
	"Accounting and payroll",
	"Buy now, pay later",
	"Crypto",
}

// guidanceJargon are words a cardholder or bookkeeper should not have to know.
var guidanceJargon = []string{
	"api", "apis", "http", "https", "endpoint", "endpoints", "latency", "dns", "ssl", "tls",
	"server", "servers", "webhook", "webhooks", "json", "sdk", "oauth", "url", "timeout",
	"5xx", "502", "503", "504", "statuspage", "incident.io", "probe", "payload",
}

// tokenQueryKeys are query parameter names that would carry a secret.
var tokenQueryKeys = regexp.MustCompile(`(?i)(token|key|secret|pass|auth|session|sig|signature|credential|jwt|code)`)

var phonePattern = regexp.MustCompile(`^\+?[0-9][0-9 ().-]{6,19}[0-9]$`)

// loadCatalogForTest decodes the embedded catalog without Validate, so that each data check
// below reports its own problems even when Validate would stop the load.
func loadCatalogForTest(t *testing.T) *Catalog {
	t.Helper()
	var c Catalog
	dec := yaml.NewDecoder(bytes.NewReader(catalogYAML))
	dec.KnownFields(true)
	if err := dec.Decode(&c.Entries); err != nil {
		t.Fatalf("embedded catalog does not decode: %v", err)
	}
	return &c
}

func TestCatalogDataLoadsAndValidates(t *testing.T) {
	c, err := LoadCatalog()
	if err != nil {
		t.Fatalf("embedded catalog does not load: %v", err)
	}
	if n := len(c.Entries); n < 40 {
		t.Fatalf("catalog has %d entries, want at least 40", n)
	}
}

func TestCatalogDataUniqueIDs(t *testing.T) {
	c := loadCatalogForTest(t)
	seen := map[string]bool{}
	for _, e := range c.Entries {
		if seen[e.ID] {
			t.Errorf("duplicate id %q", e.ID)
		}
		seen[e.ID] = true
		if Slug(e.ID) != e.ID {
			t.Errorf("id %q is not a slug", e.ID)
		}
	}
}

func TestCatalogDataSources(t *testing.T) {
	c := loadCatalogForTest(t)
	for _, e := range c.Entries {
		if e.URL == "" && len(e.Probes) == 0 {
			t.Errorf("%s: neither a status page nor a probe", e.ID)
		}
		// That e.Platform is a known platform is checked in package platforms, which has the table.
		if e.URL == "" && e.Platform != "" {
			t.Errorf("%s: platform %q given without a status page address", e.ID, e.Platform)
		}
		if e.URL != "" && !strings.HasPrefix(e.URL, "https://") {
			t.Errorf("%s: status page %q is not https", e.ID, e.URL)
		}
	}
}

func TestCatalogDataCategories(t *testing.T) {
	c := loadCatalogForTest(t)
	for _, e := range c.Entries {
		if !slices.Contains(catalogCategories, e.Category) {
			t.Errorf("%s: category %q is not one of %q", e.ID, e.Category, catalogCategories)
		}
	}
}

func TestCatalogDataDefaultWatchlist(t *testing.T) {
	c := loadCatalogForTest(t)
	for _, id := range DefaultWatchlist {
		if _, ok := c.Lookup(id); !ok {
			t.Errorf("DefaultWatchlist id %q is not in the catalog", id)
		}
	}
}

func TestCatalogDataProbesArePolite(t *testing.T) {
	c := loadCatalogForTest(t)
	for _, e := range c.Entries {
		for _, p := range e.Probes {
			where := e.ID + " probe " + p.URL
			if iv := time.Duration(p.Interval); iv != 0 && iv < 5*time.Minute {
				t.Errorf("%s: interval %s is shorter than 5m", where, iv)
			}
			if m := strings.ToUpper(p.Method); m != "" && m != "GET" && m != "HEAD" {
				t.Errorf("%s: method %q is not GET or HEAD", where, p.Method)
			}
			u, err := url.Parse(p.URL)
			if err != nil {
				t.Errorf("%s: %v", where, err)
				continue
			}
			if u.Scheme != "https" {
				t.Errorf("%s: not https", where)
			}
			if u.User != nil {
				t.Errorf("%s: contains credentials", where)
			}
			for k := range u.Query() {
				if tokenQueryKeys.MatchString(k) {
					t.Errorf("%s: query parameter %q looks like a secret", where, k)
				}
			}
			if u.Fragment != "" && tokenQueryKeys.MatchString(u.Fragment) {
				t.Errorf("%s: fragment looks like it carries a secret", where)
			}
			for _, r := range p.Rules {
				if strings.TrimSpace(r.Contains) == "" {
					t.Errorf("%s: a rule has no phrase", where)
				}
			}
		}
	}
}

func TestCatalogDataGuidanceIsPlainEnglish(t *testing.T) {
	c := loadCatalogForTest(t)
	word := regexp.MustCompile(`[A-Za-z0-9.]+`)
	for _, e := range c.Entries {
		g := strings.TrimSpace(e.Guidance)
		if g == "" {
			t.Errorf("%s: no guidance", e.ID)
			continue
		}
		if first := []rune(g)[0]; strings.ToUpper(string(first)) != string(first) {
			t.Errorf("%s: guidance should start with a capital letter: %q", e.ID, g)
		}
		if !strings.HasSuffix(g, ".") {
			t.Errorf("%s: guidance should be a full sentence ending with a period: %q", e.ID, g)
		}
		if len(strings.Fields(g)) < 6 {
			t.Errorf("%s: guidance is too short to be a sentence: %q", e.ID, g)
		}
		for _, w := range word.FindAllString(g, -1) {
			w = strings.ToLower(strings.TrimRight(w, "."))
			if slices.Contains(guidanceJargon, w) {
				t.Errorf("%s: guidance uses the jargon word %q: %q", e.ID, w, g)
			}
		}
		if strings.Contains(g, "://") {
			t.Errorf("%s: guidance contains a web address; put it in support_url", e.ID)
		}
	}
}

func TestCatalogDataSupportAndPhone(t *testing.T) {
	c := loadCatalogForTest(t)
	for _, e := range c.Entries {
		if !strings.HasPrefix(e.SupportURL, "https://") {
			t.Errorf("%s: support_url %q is not https", e.ID, e.SupportURL)
		}
		if e.Phone != "" && !phonePattern.MatchString(e.Phone) {
			t.Errorf("%s: phone %q does not look like a phone number", e.ID, e.Phone)
		}
	}
}

func TestCatalogDataJargonCheckCatchesJargon(t *testing.T) {
	// Guard the guard: the word splitter must see "API" and "endpoint" in a sentence.
	word := regexp.MustCompile(`[A-Za-z0-9.]+`)
	var hits []string
	for _, w := range word.FindAllString("The API endpoint has high latency.", -1) {
		w = strings.ToLower(strings.TrimRight(w, "."))
		if slices.Contains(guidanceJargon, w) {
			hits = append(hits, w)
		}
	}
	if !slices.Equal(hits, []string{"api", "endpoint", "latency"}) {
		t.Fatalf("jargon check found %v", hits)
	}
}
