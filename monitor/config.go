package monitor

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Interval floors and defaults (DESIGN.md §5, issue "Paywatch end to end").
const (
	DefaultInterval      = 60 * time.Second
	DefaultProbeInterval = 5 * time.Minute
	MinPublicInterval    = 30 * time.Second
	MinLoopbackInterval  = time.Second
)

// Duration is a time.Duration written as "60s" or "5m" in YAML.
type Duration time.Duration

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(strings.TrimSpace(n.Value))
	if err != nil || n.Kind != yaml.ScalarNode {
		what := strconv.Quote(n.Value)
		if n.Kind != yaml.ScalarNode {
			what = "a list or mapping"
		}
		// A *yaml.TypeError lets the decoder carry on, so every problem is reported at once.
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s is not a duration (write it like 60s, 5m or 1h)", n.Line, what)}}
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// UnmarshalYAML implements yaml.Unmarshaler, so that a misspelt state is reported with its line
// next to every other problem instead of ending the decoding.
func (s *State) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseState(n.Value)
	if n.Kind != yaml.ScalarNode {
		err = fmt.Errorf("expected a state (%s)", strings.Join(stateNames[:], ", "))
	}
	if err != nil {
		// Off the scale, so that validation does not also complain about the zero value; the
		// decoding fails anyway.
		*s = -1
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %v", n.Line, err)}}
	}
	*s = v
	return nil
}

// decodeStrict decodes a mapping into v (a pointer to a struct) and reports keys v has no field
// for. Node.Decode does not carry the top-level decoder's KnownFields into custom unmarshalers,
// so they check for themselves.
func decodeStrict(n *yaml.Node, v any) error {
	var errs []string
	unknownKeys(n, reflect.TypeOf(v), &errs)
	if err := n.Decode(v); err != nil {
		te, ok := err.(*yaml.TypeError)
		if !ok {
			return err
		}
		errs = append(errs, te.Errors...)
	}
	if len(errs) > 0 {
		return &yaml.TypeError{Errors: errs}
	}
	return nil
}

var yamlUnmarshaler = reflect.TypeFor[yaml.Unmarshaler]()

func unknownKeys(n *yaml.Node, t reflect.Type, errs *[]string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case n.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice:
		for _, c := range n.Content {
			unknownKeys(c, t.Elem(), errs)
		}
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		fields := map[string]reflect.Type{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			if name != "-" && f.IsExported() {
				fields[name] = f.Type
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			ft, ok := fields[k.Value]
			switch {
			case !ok:
				*errs = append(*errs, fmt.Sprintf("line %d: unknown setting %q", k.Line, k.Value))
			case !reflect.PointerTo(ft).Implements(yamlUnmarshaler) && !ft.Implements(yamlUnmarshaler):
				unknownKeys(n.Content[i+1], ft, errs) // types with their own unmarshaler check themselves
			}
		}
	}
}

// ProbeRule turns a phrase on a probed page into a state.
type ProbeRule struct {
	Contains string `yaml:"contains" json:"contains"`
	State    State  `yaml:"state" json:"state"`
}

// ProbeConfig is a website check. In YAML it is a bare URL or a mapping.
type ProbeConfig struct {
	URL      string      `yaml:"url" json:"url"`
	Method   string      `yaml:"method,omitempty" json:"method,omitempty"`
	Expect   []int       `yaml:"expect,omitempty" json:"expect,omitempty"`
	Slow     Duration    `yaml:"slow,omitempty" json:"slow,omitempty"`
	Rules    []ProbeRule `yaml:"rules,omitempty" json:"rules,omitempty"`
	Interval Duration    `yaml:"interval,omitempty" json:"interval,omitempty"`
}

// UnmarshalYAML accepts "probe: https://…" as well as a mapping.
func (p *ProbeConfig) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		p.URL = n.Value
		return nil
	}
	type plain ProbeConfig
	return decodeStrict(n, (*plain)(p))
}

// ServiceConfig is one watched service as the user writes it.
type ServiceConfig struct {
	Name       string          `yaml:"name,omitempty"`
	ID         string          `yaml:"id,omitempty"`
	Catalog    string          `yaml:"catalog,omitempty"`
	URL        string          `yaml:"url,omitempty"`
	Platform   string          `yaml:"platform,omitempty"`
	Interval   Duration        `yaml:"interval,omitempty"`
	Components ComponentFilter `yaml:"components,omitempty"`
	Probe      *ProbeConfig    `yaml:"probe,omitempty"`
	Probes     []ProbeConfig   `yaml:"probes,omitempty"`
	// MinSeverity overrides alerts.min_severity for this service.
	MinSeverity *State `yaml:"min_severity,omitempty"`
}

// Canary is one connectivity check: by default it must answer 204 with an empty body.
type Canary struct {
	URL  string `yaml:"url" json:"url"`
	Body string `yaml:"body,omitempty" json:"body,omitempty"`
}

// UnmarshalYAML accepts a bare URL or {url, body}.
func (c *Canary) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		c.URL = n.Value
		return nil
	}
	type plain Canary
	return decodeStrict(n, (*plain)(c))
}

// ConnectivityConfig lists the canaries that tell "offline" from "they are down".
type ConnectivityConfig struct {
	Canaries []Canary `yaml:"canaries,omitempty"`
}

// Config is the whole settings file.
type Config struct {
	Interval     Duration           `yaml:"interval,omitempty"`
	Services     []ServiceConfig    `yaml:"services"`
	Connectivity ConnectivityConfig `yaml:"connectivity,omitempty"`
	Alerts       AlertConfig        `yaml:"alerts,omitempty"`
	Channels     []ChannelConfig    `yaml:"channels,omitempty"`
}

// ConfigPath is where Paywatch keeps its settings: the user's config folder.
func ConfigPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("config: find the settings folder: %w", err)
	}
	return filepath.Join(dir, "paywatch", "config.yaml"), nil
}

// LoadConfig reads and validates a settings file. Every problem is reported at once.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseConfig decodes strictly (unknown keys are errors) and validates.
func ParseConfig(b []byte) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var errs []error
	if err := dec.Decode(&c); err != nil {
		var te *yaml.TypeError
		switch {
		case errors.As(err, &te):
			for _, e := range te.Errors {
				errs = append(errs, errors.New(friendlyYAML(e)))
			}
		case errors.Is(err, errEOF(err)):
			return nil, errors.New("the file is empty: add a services: list")
		default:
			return nil, errors.New(friendlyYAML(err.Error()))
		}
	}
	errs = append(errs, c.Validate()...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &c, nil
}

func errEOF(err error) error {
	if err != nil && err.Error() == "EOF" {
		return err
	}
	return errors.New("not eof")
}

var fieldNotFound = regexp.MustCompile(`field (\S+) not found in type \S+`)

func friendlyYAML(s string) string {
	s = strings.TrimPrefix(s, "yaml: ")
	s = fieldNotFound.ReplaceAllString(s, `unknown setting "$1"`)
	s = strings.ReplaceAll(s, "cannot unmarshal !!str", "expected a different kind of value, got the text")
	s = strings.ReplaceAll(s, "cannot unmarshal !!seq into", "expected a single value, got a list for")
	s = strings.ReplaceAll(s, "cannot unmarshal !!map into", "expected a single value, got a mapping for")
	return s
}

// Validate reports every problem in the settings, each naming the service and field.
func (c *Config) Validate() []error {
	var errs []error
	add := func(where, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", where, fmt.Sprintf(format, a...)))
	}
	if c.Interval != 0 && time.Duration(c.Interval) < MinPublicInterval {
		add("interval", "%s is too short; the minimum is %s", time.Duration(c.Interval), MinPublicInterval)
	}
	if len(c.Services) == 0 {
		add("services", "the list is empty: add at least one service (or delete the file to use the built-in list)")
	}
	ids := map[string]int{}
	for i, s := range c.Services {
		where := fmt.Sprintf("services[%d]", i+1)
		if s.Name != "" {
			where += fmt.Sprintf(" (%s)", s.Name)
		} else if s.Catalog != "" {
			where += fmt.Sprintf(" (%s)", s.Catalog)
		}
		if s.Name == "" && s.Catalog == "" {
			add(where, "name: missing (every service needs a name)")
		}
		if s.Catalog == "" && s.URL == "" && s.Probe == nil && len(s.Probes) == 0 {
			add(where, "nothing to watch: give url: (a status page) or probe: (a website)")
		}
		probes := s.Probes
		if s.Probe != nil {
			probes = append([]ProbeConfig{*s.Probe}, probes...)
		}
		if s.URL != "" {
			if err := checkURL(s.URL); err != nil {
				add(where, "url: %v", err)
			}
		}
		if iv := time.Duration(s.Interval); iv != 0 {
			// The service's interval applies to its page (its own or the catalog's) and to every
			// probe without an interval of its own: the strictest floor among them holds.
			var floor time.Duration
			var what string
			consider := func(name string, f time.Duration) {
				if f > floor {
					floor, what = f, name
				}
			}
			switch {
			case s.URL != "" && checkURL(s.URL) == nil:
				consider(hostOf(s.URL), minInterval(s.URL))
			case s.URL == "" && s.Catalog != "":
				consider(s.Catalog, MinPublicInterval) // catalog pages are public
			}
			for _, p := range probes {
				if p.Interval == 0 && checkURL(p.URL) == nil {
					consider(hostOf(p.URL), minInterval(p.URL))
				}
			}
			if iv < floor {
				add(where, "interval: %s is too short; the minimum for %s is %s", iv, what, floor)
			}
		}
		if s.MinSeverity != nil && (*s.MinSeverity == StateUnknown || *s.MinSeverity == StateOperational) {
			add(where, "min_severity: use maintenance, degraded, partial_outage or major_outage")
		}
		if s.Platform != "" && !knownPlatform(s.Platform) {
			add(where, "platform: %q is not one Paywatch knows (%s)", s.Platform, strings.Join(Platforms, ", "))
		}
		if s.Platform != "" && s.URL == "" && s.Catalog == "" {
			add(where, "platform: given without url:")
		}
		for j, p := range probes {
			pw := where + ".probe"
			if len(probes) > 1 {
				pw = fmt.Sprintf("%s.probes[%d]", where, j+1)
			}
			if err := checkURL(p.URL); err != nil {
				add(pw, "url: %v", err)
				continue
			}
			if m := strings.ToUpper(p.Method); m != "" && m != "GET" && m != "HEAD" {
				add(pw, "method: %q is not allowed (use GET or HEAD; probes never change anything)", p.Method)
			}
			if iv, least := time.Duration(p.Interval), minProbeInterval(p.URL); iv != 0 && iv < least {
				add(pw, "interval: %s is too short; a website is probed at most every %s", iv, least)
			}
			for _, code := range p.Expect {
				if code < 100 || code > 599 {
					add(pw, "expect: %d is not an HTTP status code", code)
				}
			}
			for k, r := range p.Rules {
				if strings.TrimSpace(r.Contains) == "" {
					add(pw, "rules[%d].contains: missing", k+1)
				}
			}
		}
		for _, p := range append(append([]string{}, s.Components.Include...), s.Components.Exclude...) {
			if _, err := filepathMatchCheck(p); err != nil {
				add(where, "components: pattern %q is not valid", p)
			}
		}
		id := s.ServiceID()
		if j, dup := ids[id]; dup && id != "" {
			add(where, "duplicates services[%d] (same id %q); give one of them a different name or id:", j, id)
		}
		ids[id] = i + 1
	}
	for i, cn := range c.Connectivity.Canaries {
		if err := checkURL(cn.URL); err != nil {
			add(fmt.Sprintf("connectivity.canaries[%d]", i+1), "url: %v", err)
		}
	}
	errs = append(errs, c.Alerts.validate()...)
	for i, ch := range c.Channels {
		where := fmt.Sprintf("channels[%d]", i+1)
		if strings.TrimSpace(ch.URL) == "" || !strings.Contains(ch.URL, "://") {
			add(where, "url: missing or not a channel address (for example slack://… or generic+https://…)")
		}
		if ch.MinSeverity != nil && (*ch.MinSeverity == StateUnknown || *ch.MinSeverity == StateOperational) {
			add(where, "min_severity: use maintenance, degraded, partial_outage or major_outage")
		}
		for _, id := range ch.Services {
			if !slices.ContainsFunc(c.Services, func(s ServiceConfig) bool { return s.ServiceID() == id || s.Name == id }) {
				add(where, "services: %q is not one of your services (use its id or name)", id)
			}
		}
	}
	return errs
}

// ChannelConfig is a team channel (Slack, Teams, Discord, Telegram, e-mail, ntfy, webhooks …)
// that receives the same notifications as the desktop, addressed by a notification URL.
type ChannelConfig struct {
	Name        string   `yaml:"name,omitempty" json:"name,omitempty"`
	URL         string   `yaml:"url" json:"-"`
	MinSeverity *State   `yaml:"min_severity,omitempty" json:"min_severity,omitempty"`
	Services    []string `yaml:"services,omitempty" json:"services,omitempty"`
}

// ServiceID is the stable id used in history and state files.
func (s ServiceConfig) ServiceID() string {
	switch {
	case s.ID != "":
		return s.ID
	case s.Catalog != "":
		return Slug(s.Catalog)
	}
	return Slug(s.Name)
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// Slug turns a name into an id: "Acme Pay" → "acme-pay".
func Slug(s string) string {
	return strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

// Platforms lists the platform names config and detection use.
var Platforms = []string{"statuspage", "incidentio", "incidentio_widget", "instatus", "statusio", "betterstack", "cachet", "statuspal", "sorry", "slack", "gcp", "stripe", "feed"}

func knownPlatform(p string) bool {
	for _, k := range Platforms {
		if k == p {
			return true
		}
	}
	return false
}

func checkURL(raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not a web address (write it like https://status.example.com)", raw)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("%q must start with https:// (or http://)", raw)
	}
	if u.User != nil {
		return fmt.Errorf("%q contains a user name or password; Paywatch never sends credentials", raw)
	}
	return nil
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Hostname()
	}
	return raw
}

// IsLoopback reports whether a URL points at this machine.
func IsLoopback(raw string) bool {
	h := hostOf(raw)
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// minProbeInterval is the shortest time between probes of a website: DefaultProbeInterval,
// out of politeness to sites that are not made to be polled (loopback, for tests, is exempt).
func minProbeInterval(raw string) time.Duration {
	if IsLoopback(raw) {
		return MinLoopbackInterval
	}
	return DefaultProbeInterval
}

func minInterval(raw string) time.Duration {
	if IsLoopback(raw) {
		return MinLoopbackInterval
	}
	return MinPublicInterval
}

func filepathMatchCheck(p string) (bool, error) { return filepath.Match(strings.ToLower(p), "") }
