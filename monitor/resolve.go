package monitor

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

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
	if len(c.Services) > 0 {
		specs = make([]ServiceSpec, 0, len(c.Services)) // kept for the whole run: no room to spare
	}
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
	if len(specs) == 0 {
		specs = nil // as when nothing was ever added
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
