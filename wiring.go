package main

import (
	"fmt"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/probe"
	"github.com/paywatch/paywatch/monitor/statuspage"
)

// pageBuilders knows every status platform; it is the one place that imports them all.
func pageBuilders(f *monitor.Fetcher) map[string]func(url string) monitor.Checker {
	return map[string]func(string) monitor.Checker{
		"statuspage": func(u string) monitor.Checker { return statuspage.New(u, f) },
		"incidentio": func(u string) monitor.Checker { return statuspage.New(u, f) },
	}
}

func builders(f *monitor.Fetcher) monitor.Builders {
	pages := pageBuilders(f)
	return monitor.Builders{
		Page: func(platform, url string) (monitor.Checker, error) {
			b, ok := pages[platform]
			if !ok {
				return nil, fmt.Errorf("platform %q is not supported yet", platform)
			}
			return b(url), nil
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

// checkOnlyBuilders resolves without touching the network (config check).
func checkOnlyBuilders() monitor.Builders { return builders(newFetcher()) }

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
