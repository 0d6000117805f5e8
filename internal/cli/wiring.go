package cli

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/detect"
	"github.com/paywatch/paywatch/monitor/gcp"
	"github.com/paywatch/paywatch/monitor/platforms"
	"github.com/paywatch/paywatch/monitor/probe"
)

// pageBuilders builds a checker for every platform in the table. Google Cloud's incident history
// is large, so it gets big, a fetcher with a bigger body cap.
func pageBuilders(f, big *monitor.Fetcher) map[string]func(url string) monitor.Checker {
	return platforms.Checkers(f, big)
}

// detectCandidates lends detection every platform's parser; big reads Google Cloud's history.
func detectCandidates(big *monitor.Fetcher) []detect.Candidate {
	return platforms.Candidates(big)
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
		Platforms: platforms.Names(),
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

// resolveWatched resolves the settings for watching: services that could be resolved are
// watched, the rest are logged and named in the notice it returns ("" when all were).
func resolveWatched(c *monitor.Config, f *monitor.Fetcher, log *slog.Logger) ([]monitor.ServiceSpec, string) {
	specs, err := resolve(c, f)
	if err != nil {
		log.Error("some services could not be set up", "err", err)
		return specs, "Some services in your settings could not be set up; run: paywatch config check"
	}
	return specs, ""
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
