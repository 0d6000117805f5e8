package cli

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/betterstack"
	"github.com/paywatch/paywatch/monitor/cachet"
	"github.com/paywatch/paywatch/monitor/detect"
	"github.com/paywatch/paywatch/monitor/feed"
	"github.com/paywatch/paywatch/monitor/gcp"
	"github.com/paywatch/paywatch/monitor/incidentio"
	"github.com/paywatch/paywatch/monitor/instatus"
	"github.com/paywatch/paywatch/monitor/probe"
	"github.com/paywatch/paywatch/monitor/slack"
	"github.com/paywatch/paywatch/monitor/sorry"
	"github.com/paywatch/paywatch/monitor/statusio"
	"github.com/paywatch/paywatch/monitor/statuspage"
	"github.com/paywatch/paywatch/monitor/statuspal"
	"github.com/paywatch/paywatch/monitor/stripe"
)

// pageBuilders knows every status platform; it is the one place that imports them all.
// Google Cloud's incident history is large, so it gets a fetcher with a bigger body cap.
func pageBuilders(f, big *monitor.Fetcher) map[string]func(url string) monitor.Checker {
	return map[string]func(string) monitor.Checker{
		"statuspage":        func(u string) monitor.Checker { return statuspage.New(u, f) },
		"incidentio":        func(u string) monitor.Checker { return statuspage.New(u, f) },
		"incidentio_widget": func(u string) monitor.Checker { return incidentio.New(u, f) },
		"instatus":          func(u string) monitor.Checker { return instatus.New(u, f) },
		"statusio":          func(u string) monitor.Checker { return statusio.New(u, f) },
		"betterstack":       func(u string) monitor.Checker { return betterstack.New(u, f) },
		"cachet":            func(u string) monitor.Checker { return cachet.New(u, f) },
		"statuspal":         func(u string) monitor.Checker { return statuspal.New(u, f) },
		"sorry":             func(u string) monitor.Checker { return sorry.New(u, f) },
		"slack":             func(u string) monitor.Checker { return slack.New(u, f) },
		"gcp":               func(u string) monitor.Checker { return gcp.New(u, big) },
		"stripe":            func(u string) monitor.Checker { return stripe.New(u, f) },
		"feed":              func(u string) monitor.Checker { return feed.New(u, f) },
	}
}

// detectCandidates lends detection every platform's parser; big reads Google Cloud's history.
func detectCandidates(big *monitor.Fetcher) []detect.Candidate {
	return detect.Candidates(detect.Parsers{
		"statuspage":        {Parse: statuspage.Parse},
		"incidentio":        {Parse: statuspage.Parse},
		"incidentio_widget": {Parse: incidentio.Parse},
		"instatus":          {Parse: instatus.Parse},
		"statusio":          {Parse: statusio.Parse},
		"betterstack":       {Parse: func(r io.Reader) (monitor.Report, error) { return betterstack.ParseAt(r, time.Now()) }},
		"cachet": {Parse: func(r io.Reader) (monitor.Report, error) {
			c, err := cachet.ParseComponents(r)
			return monitor.Report{Indicator: monitor.StateUnknown, Components: c}, err
		}},
		"statuspal": {Parse: statuspal.Parse},
		"sorry":     {Parse: sorry.Parse},
		"slack":     {Parse: slack.Parse},
		"gcp":       {Parse: gcp.Parse, Fetcher: big},
		"stripe":    {Parse: stripe.Parse},
		"feed":      {Parse: feed.Parse},
	})
}

func builders(f *monitor.Fetcher) monitor.Builders {
	big := bigFetcher()
	pages := pageBuilders(f, big)
	// A page given as url: alone is detected once and the answer cached; its checker then polls
	// the endpoint detection found (a feed's address, say) rather than the address as written.
	// A page not yet in the cache is detected by its checker on its first check, so start-up
	// never waits on the network and a page unreachable at start is still watched.
	cache := detectCache()
	return monitor.Builders{
		Page: func(platform, url string) (monitor.Checker, error) {
			if platform == autoPlatform {
				return &detectingChecker{url: url, detect: func(ctx context.Context) (detect.Entry, error) {
					ctx, cancel := context.WithTimeout(ctx, detect.Timeout)
					defer cancel()
					return cache.Detect(ctx, f, url, detectCandidates(big))
				}, pages: pages}, nil
			}
			b, ok := pages[platform]
			if !ok {
				return nil, fmt.Errorf("platform %q is not one Paywatch knows", platform)
			}
			return b(url), nil
		},
		Detect: func(url string) (string, string, error) {
			if _, fresh := cache.Lookup(url); fresh {
				e, _ := cache.Entry(url)
				return e.Platform, e.Endpoint, nil
			}
			return autoPlatform, "", nil
		},
		Probe: func(p monitor.ProbeConfig) monitor.Checker {
			rules := p.Rules
			if rules == nil {
				rules = probe.DefaultRules
			}
			return probe.New(probe.Options{URL: p.URL, Method: p.Method, Expect: p.Expect, Slow: time.Duration(p.Slow), Rules: rules}, f)
		},
	}
}

// autoPlatform marks a page whose platform its checker will detect on its first check.
const autoPlatform = "auto"

// detectingChecker finds out which platform serves a page on its first check (and on every
// check until that succeeds), then polls it through that platform's checker.
type detectingChecker struct {
	url    string
	detect func(context.Context) (detect.Entry, error)
	pages  map[string]func(string) monitor.Checker

	mu       sync.Mutex
	inner    monitor.Checker
	platform string
}

func (d *detectingChecker) Check(ctx context.Context) (monitor.Report, error) {
	d.mu.Lock()
	inner := d.inner
	d.mu.Unlock()
	platform := ""
	if inner == nil {
		e, err := d.detect(ctx)
		if err != nil {
			return monitor.Report{}, err
		}
		build, ok := d.pages[e.Platform]
		if !ok {
			return monitor.Report{}, fmt.Errorf("detect: platform %q is not one Paywatch knows", e.Platform)
		}
		endpoint := e.Endpoint
		if endpoint == "" {
			endpoint = d.url
		}
		inner = build(endpoint)
		d.mu.Lock()
		d.inner, d.platform = inner, e.Platform
		d.mu.Unlock()
	}
	d.mu.Lock()
	platform = d.platform
	d.mu.Unlock()
	r, err := inner.Check(ctx)
	r.Platform = platform
	return r, err
}

func bigFetcher() *monitor.Fetcher {
	return monitor.NewFetcher(monitor.FetcherOptions{UserAgent: userAgent(), MaxBody: gcp.RecommendedMaxBody, Timeout: 30 * time.Second})
}

// detectCache is where detections are remembered; nil (detect at every start) when the user has
// no cache folder.
func detectCache() *detect.Cache {
	p, err := detect.DefaultCachePath()
	if err != nil {
		return nil
	}
	return detect.NewCache(p)
}

// checkOnlyBuilders resolves without touching the network (config check), so pages given without
// platform: are not detected.
func checkOnlyBuilders() monitor.Builders {
	b := builders(newFetcher())
	b.Detect = nil
	return b
}

func resolve(c *monitor.Config, f *monitor.Fetcher) ([]monitor.ServiceSpec, error) {
	return monitor.Resolve(c, mustCatalog(), builders(f))
}

func mustCatalog() *monitor.Catalog {
	c, err := monitor.LoadCatalog()
	if err != nil {
		panic(err) // the embedded catalog is validated by tests
	}
	return c
}
