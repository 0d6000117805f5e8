package monitor

import (
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// CatalogEntry is one financial service Paywatch knows how to watch.
type CatalogEntry struct {
	ID       string `yaml:"id" json:"id"`
	Name     string `yaml:"name" json:"name"`
	Category string `yaml:"category" json:"category"`
	// URL is the official status page, Platform how it is read; both empty when there is none.
	URL      string `yaml:"url,omitempty" json:"url,omitempty"`
	Platform string `yaml:"platform,omitempty" json:"platform,omitempty"`
	// Components names parts worth filtering on ("Payments").
	Components []string      `yaml:"components,omitempty" json:"components,omitempty"`
	Probes     []ProbeConfig `yaml:"probes,omitempty" json:"probes,omitempty"`
	Guidance   string        `yaml:"guidance" json:"guidance"`
	SupportURL string        `yaml:"support_url" json:"support_url"`
	Phone      string        `yaml:"phone,omitempty" json:"phone,omitempty"`
}

// Watched says in words how the entry is watched.
func (e CatalogEntry) Watched() string {
	var parts []string
	if e.URL != "" {
		parts = append(parts, "official status page ("+e.Platform+")")
	}
	if len(e.Probes) > 0 {
		parts = append(parts, plural(len(e.Probes), "website check"))
	}
	return strings.Join(parts, " + ")
}

//go:embed catalog.yaml
var catalogYAML []byte

// DefaultWatchlist is what Paywatch watches when there is no settings file.
var DefaultWatchlist = []string{"amex", "visa", "mastercard", "paypal", "stripe", "square"}

// Catalog is the embedded list of services.
type Catalog struct{ Entries []CatalogEntry }

// LoadCatalog parses the embedded catalog.
func LoadCatalog() (*Catalog, error) { return ParseCatalog(catalogYAML) }

// ParseCatalog decodes and validates a catalog document.
func ParseCatalog(b []byte) (*Catalog, error) {
	var c Catalog
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&c.Entries); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Validate checks every entry: unique ids, a source, guidance and a support link. Whether an
// entry's platform is one Paywatch knows is Resolve's to judge, against Builders.Platforms.
func (c *Catalog) Validate() error {
	var errs []error
	seen := map[string]bool{}
	for i, e := range c.Entries {
		where := fmt.Sprintf("catalog[%d] %s", i+1, e.ID)
		switch {
		case e.ID == "" || Slug(e.ID) != e.ID:
			errs = append(errs, fmt.Errorf("%s: id must be lower-case letters, digits and dashes", where))
		case seen[e.ID]:
			errs = append(errs, fmt.Errorf("%s: duplicate id", where))
		}
		seen[e.ID] = true
		if e.Name == "" || e.Category == "" || e.Guidance == "" || e.SupportURL == "" {
			errs = append(errs, fmt.Errorf("%s: name, category, guidance and support_url are required", where))
		}
		if e.URL == "" && len(e.Probes) == 0 {
			errs = append(errs, fmt.Errorf("%s: needs a status page or a probe", where))
		}
		for _, u := range append([]string{e.URL, e.SupportURL}, probeURLs(e.Probes)...) {
			if u != "" {
				if err := checkURL(u); err != nil {
					errs = append(errs, fmt.Errorf("%s: %v", where, err))
				}
			}
		}
	}
	return errors.Join(errs...)
}

func probeURLs(ps []ProbeConfig) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.URL)
	}
	return out
}

// Lookup finds an entry by id.
func (c *Catalog) Lookup(id string) (CatalogEntry, bool) {
	i := slices.IndexFunc(c.Entries, func(e CatalogEntry) bool { return e.ID == strings.ToLower(strings.TrimSpace(id)) })
	if i < 0 {
		return CatalogEntry{}, false
	}
	return c.Entries[i], true
}

// Search returns entries whose id, name or category contains the query (all for "").
func (c *Catalog) Search(q string) []CatalogEntry {
	q = strings.ToLower(strings.TrimSpace(q))
	var out []CatalogEntry
	for _, e := range c.Entries {
		if q == "" || strings.Contains(e.ID, q) || strings.Contains(strings.ToLower(e.Name), q) || strings.Contains(strings.ToLower(e.Category), q) {
			out = append(out, e)
		}
	}
	return out
}

// DefaultConfig is the settings used when there is no file.
func DefaultConfig() *Config {
	c := &Config{}
	for _, id := range DefaultWatchlist {
		c.Services = append(c.Services, ServiceConfig{Catalog: id})
	}
	return c
}

// Builders is how Resolve makes checkers; main supplies it from the platform table
// (monitor/platforms), which this package cannot import.
type Builders struct {
	// Platforms are the platform names Page builds; a page on any other is refused with the list.
	// Nil leaves the judgement to Page.
	Platforms []string
	// Page returns a checker for a status page on the named platform.
	Page func(platform, url string) (Checker, error)
	// Probe returns a checker for a website probe.
	Probe func(p ProbeConfig) Checker
	// Detect finds the platform of a page given without one and the endpoint to poll (a feed's
	// address, say; empty means the address as written); nil means "statuspage".
	Detect func(url string) (platform, endpoint string, err error)
}

// Resolve turns settings into service specs with their targets, filling catalog entries in.
func Resolve(c *Config, cat *Catalog, b Builders) ([]ServiceSpec, error) {
	var specs []ServiceSpec
	var errs []error
	def := DefaultInterval
	if c.Interval != 0 {
		def = time.Duration(c.Interval)
	}
	for i, s := range c.Services {
		var entry CatalogEntry
		if s.Catalog != "" {
			e, ok := cat.Lookup(s.Catalog)
			if !ok {
				errs = append(errs, fmt.Errorf("services[%d]: catalog: %q is not in the catalog (see paywatch catalog)", i+1, s.Catalog))
				continue
			}
			entry = e
			if s.Name == "" {
				s.Name = e.Name
			}
			if s.URL == "" && e.URL != "" {
				s.URL, s.Platform = e.URL, e.Platform
			}
			if s.Probe == nil && len(s.Probes) == 0 {
				s.Probes = e.Probes
			}
		}
		spec := ServiceSpec{ID: s.ServiceID(), Name: s.Name, URL: s.URL, Filter: s.Components, Guidance: entry.Guidance, SupportURL: entry.SupportURL, MinSeverity: s.MinSeverity}
		if s.URL != "" {
			platform, endpoint := s.Platform, s.URL
			if platform != "" && b.Platforms != nil && !slices.Contains(b.Platforms, platform) {
				errs = append(errs, fmt.Errorf("services[%d] (%s): platform: %q is not one Paywatch knows (%s)", i+1, s.Name, platform, strings.Join(b.Platforms, ", ")))
				continue
			}
			if platform == "" {
				platform = "statuspage"
				if b.Detect != nil {
					p, ep, err := b.Detect(s.URL)
					if err != nil {
						errs = append(errs, fmt.Errorf("services[%d] (%s): url: %w", i+1, s.Name, err))
						continue
					}
					platform = p
					if ep != "" {
						endpoint = ep
					}
				}
			}
			ch, err := b.Page(platform, endpoint)
			if err != nil {
				errs = append(errs, fmt.Errorf("services[%d] (%s): %w", i+1, s.Name, err))
				continue
			}
			iv := def
			if s.Interval != 0 {
				iv = time.Duration(s.Interval)
			}
			spec.Targets = append(spec.Targets, Target{ServiceID: spec.ID, SourceID: "page", Kind: KindPage, Platform: platform, URL: s.URL, Interval: iv, Checker: ch})
		}
		probes := s.Probes
		if s.Probe != nil {
			probes = append([]ProbeConfig{*s.Probe}, probes...)
		}
		used := map[string]bool{}
		for i, p := range probes {
			// A service's own interval is for its status page: a provider's website is probed
			// every DefaultProbeInterval unless the probe (or a slower service) says otherwise.
			iv := DefaultProbeInterval
			switch {
			case p.Interval != 0:
				iv = time.Duration(p.Interval)
			case IsLoopback(p.URL) && s.Interval != 0:
				iv = time.Duration(s.Interval)
			case IsLoopback(p.URL):
				iv = def
			case time.Duration(s.Interval) > iv:
				iv = time.Duration(s.Interval) // slower is always fine
			}
			// One source per probe: two pages of one site (its sign-in and its home page) must
			// not share an id, or one of them would never be heard.
			src := "probe:" + hostOf(p.URL)
			if used[src] {
				src = fmt.Sprintf("%s#%d", src, i+1)
			}
			used[src] = true
			spec.Targets = append(spec.Targets, Target{ServiceID: spec.ID, SourceID: src, Kind: KindProbe, Platform: "probe", URL: p.URL, Interval: iv, Checker: b.Probe(p)})
		}
		if spec.URL == "" && len(probes) > 0 {
			spec.URL = probes[0].URL
		}
		specs = append(specs, spec)
	}
	return specs, errors.Join(errs...)
}

// PerServiceSeverity collects the services' own notification thresholds for NewPolicy.
func PerServiceSeverity(specs []ServiceSpec) map[string]State {
	m := map[string]State{}
	for _, s := range specs {
		if s.MinSeverity != nil {
			m[s.ID] = *s.MinSeverity
		}
	}
	return m
}
