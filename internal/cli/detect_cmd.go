package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/detect"
)

// Exit codes of paywatch detect.
const (
	detectFound      = 0
	detectNothing    = 1 // the site answers, but has no status page Paywatch can read
	detectCouldNot   = 3 // unreachable, too slow, or its data did not read: try again later
	detectBadCommand = 64
)

type detectJSON struct {
	Platform string        `json:"platform"`
	Endpoint string        `json:"endpoint"`
	PageName string        `json:"page_name"`
	State    monitor.State `json:"state"`
}

type detectErrorJSON struct {
	Error string `json:"error"`
	// Probe is the address to watch with probe: instead, when that is the way forward.
	Probe string `json:"probe,omitempty"`
}

// serviceYAML is the settings entry detect suggests.
type serviceYAML struct {
	Name     string `yaml:"name"`
	URL      string `yaml:"url,omitempty"`
	Platform string `yaml:"platform,omitempty"`
	Probe    string `yaml:"probe,omitempty"`
}

// cmdDetect finds out which platform serves a status page, prints what Paywatch would poll and
// the settings lines that watch it. It never writes the detection cache: it is a question, not a
// change.
func cmdDetect(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("paywatch detect", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: paywatch detect URL [--json]   (for example: paywatch detect status.coinbase.com)")
	}
	words, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return detectBadCommand
	}
	if len(words) != 1 {
		fs.Usage()
		return detectBadCommand
	}
	ctx, cancel := context.WithTimeout(context.Background(), detect.Timeout)
	defer cancel()
	r, err := detect.Detect(ctx, newFetcher(), words[0], detectCandidates(bigFetcher()))
	if err != nil {
		return detectFailed(err, words[0], *asJSON, stdout, stderr)
	}
	if *asJSON {
		return writeJSON(stdout, stderr, detectJSON{Platform: r.Platform, Endpoint: r.Endpoint, PageName: r.PageName, State: r.State}, detectFound)
	}
	name := r.PageName
	shown := name
	if name == "" {
		name, shown = nameFromURL(r.URL), "(the page gives no name)"
	}
	fmt.Fprintf(stdout, "Platform:  %s (%s)\n", r.Label, r.Platform)
	fmt.Fprintf(stdout, "Endpoint:  %s\n", r.Endpoint)
	fmt.Fprintf(stdout, "Page:      %s\n", shown)
	fmt.Fprintf(stdout, "State:     %s\n", r.State.Label())
	fmt.Fprintln(stdout, "\nTo watch it, add this to the services: list in your settings file:")
	fmt.Fprintln(stdout)
	writeYAML(stdout, serviceYAML{Name: name, URL: r.Endpoint, Platform: r.Platform})
	return detectFound
}

func detectFailed(err error, asked string, asJSON bool, stdout, stderr io.Writer) int {
	code, probe := detectCouldNot, ""
	var de *detect.Error
	if errors.As(err, &de) {
		switch {
		case de.Kind == detect.ErrBadURL:
			code = detectBadCommand
		case de.SuggestProbe():
			code, probe = detectNothing, de.URL
		}
	}
	if asJSON {
		return writeJSON(stdout, stderr, detectErrorJSON{Error: err.Error(), Probe: probe}, code)
	}
	if probe == "" {
		fmt.Fprintf(stderr, "paywatch: %v\n", err)
		return code
	}
	msg := err.Error()
	fmt.Fprintf(stdout, "%s%s.\n", strings.ToUpper(msg[:1]), msg[1:])
	fmt.Fprintln(stdout, "\nTo check that the website itself answers, add this to the services: list in your settings file:")
	fmt.Fprintln(stdout)
	writeYAML(stdout, serviceYAML{Name: nameFromURL(probe), Probe: probe})
	return code
}

func writeJSON(stdout, stderr io.Writer, v any, code int) int {
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(stderr, "paywatch: %v\n", err)
		return 1
	}
	return code
}

// writeYAML prints one settings entry, quoted where YAML needs it.
func writeYAML(w io.Writer, s serviceYAML) {
	b, err := yaml.Marshal([]serviceYAML{s})
	if err != nil { // a struct of strings always marshals
		panic(err)
	}
	w.Write(b)
}

// nameFromURL guesses a service name from an address: "www.paypal-status.com" → "Paypal",
// "status.acme.co.uk" → "Acme", "acme.statuspage.io" → "Acme".
func nameFromURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return "Status page"
	}
	host := strings.ToLower(u.Hostname())
	if net.ParseIP(host) != nil {
		return host
	}
	labels := strings.Split(host, ".")
	if n := len(labels); n >= 3 && len(labels[n-1]) == 2 && map[string]bool{"co": true, "com": true, "org": true, "net": true, "ac": true, "gov": true}[labels[n-2]] {
		labels = labels[:n-1] // acme.co.uk: "co" goes with the country
	}
	if len(labels) > 1 {
		labels = labels[:len(labels)-1]
	}
	generic := map[string]bool{"www": true, "status": true, "api": true, "statuspage": true, "instatus": true, "betteruptime": true, "statuspal": true, "co": true}
	name := ""
	for i := len(labels) - 1; i >= 0 && name == ""; i-- {
		if !generic[labels[i]] {
			name = labels[i]
		}
	}
	if name == "" {
		name = labels[0]
	}
	if t := strings.TrimPrefix(name, "status-"); t != "" {
		name = t
	}
	for _, suffix := range []string{"-status", "status"} { // paypal-status, githubstatus
		if t := strings.TrimSuffix(name, suffix); t != "" && t != name {
			name = t
			break
		}
	}
	return strings.ToUpper(name[:1]) + name[1:]
}
