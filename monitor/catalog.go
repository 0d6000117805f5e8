package monitor

import (
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strings"

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
