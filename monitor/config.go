package monitor

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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

// yamlFields maps the YAML keys of a struct type to their field types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
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
	return fields
}

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
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			ft, ok := fields[k.Value]
			switch {
			case !ok:
				msg := fmt.Sprintf("line %d: unknown setting %q", k.Line, k.Value)
				if near := nearest(k.Value, slices.Collect(maps.Keys(fields))); near != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", near)
				}
				*errs = append(*errs, msg)
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
	History      HistoryConfig      `yaml:"history,omitempty"`
}

// ConfigPath is where Paywatch keeps its settings: the user's config folder.
func ConfigPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("config: find the settings folder: %w", err)
	}
	return filepath.Join(dir, "paywatch", "config.yaml"), nil
}

// Known are the names a settings file may use that this package does not list itself: the
// platforms (monitor/platforms), the catalog's ids and the channel addresses (monitor/channels)
// the caller knows. With them, ParseConfigKnown reports an unknown one next to every other
// problem; a nil field is not checked.
type Known struct {
	// Platforms are the names platform: takes.
	Platforms []string
	// Catalog are the ids catalog: takes.
	Catalog []string
	// Channel checks a channel address: how to show it (without secrets) and what is wrong.
	Channel func(url string) (shown string, err error)
}

// LoadConfig reads and validates a settings file. Every problem is reported at once.
func LoadConfig(path string) (*Config, error) { return LoadConfigKnown(path, Known{}) }

// LoadConfigKnown is LoadConfig that also checks the names in k.
func LoadConfigKnown(path string, k Known) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := ParseConfigKnown(b, k)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseConfig decodes strictly (unknown keys are errors) and validates.
func ParseConfig(b []byte) (*Config, error) { return ParseConfigKnown(b, Known{}) }

// ParseConfigKnown decodes strictly and validates, also the names in k, and reports every
// problem at once: each once, with its line where the file has the setting, and with control
// characters from the file shown escaped.
func ParseConfigKnown(b []byte, k Known) (*Config, error) {
	if msg := notText(b); msg != "" {
		return nil, errors.New(msg)
	}
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	at := yamlPaths(b)
	var msgs []string
	if err := dec.Decode(&c); err != nil {
		var te *yaml.TypeError
		switch {
		case errors.As(err, &te):
			for _, e := range te.Errors {
				hint := ""
				if m := backticked.FindStringSubmatch(e); m != nil {
					hint = m[1]
				}
				msgs = append(msgs, at.name(friendlyYAML(e), hint))
			}
		case errors.Is(err, errEOF(err)):
			return nil, errors.New("the file is empty: add a services: list")
		default:
			return nil, errors.New(shownText(friendlyYAML(err.Error())))
		}
	}
	if line := secondDocument(b); line > 0 {
		msgs = append(msgs, fmt.Sprintf("line %d: a second document (after ---) is not read: keep every setting in one document", line))
	}
	for _, e := range append(c.Validate(), c.checkKnown(k)...) {
		msgs = append(msgs, at.locate(e))
	}
	if len(msgs) == 0 {
		return &c, nil
	}
	// Each problem once (an alias repeats its anchor's problem wherever it is used), in the
	// order found; control characters from the file escaped, never sent to a terminal.
	// In the file's order: problems with the whole file first, then by line.
	slices.SortStableFunc(msgs, func(a, b string) int { return msgLine(a) - msgLine(b) })
	var errs []error
	seen := map[string]bool{}
	for _, m := range msgs {
		m = shownText(m)
		if !seen[m] {
			seen[m] = true
			errs = append(errs, errors.New(m))
		}
	}
	return nil, errors.Join(errs...)
}

// msgLine is the line a message starts with ("line 12: …"), or 0.
func msgLine(m string) int {
	if sm := lineMsg.FindStringSubmatch(m); sm != nil {
		n, _ := strconv.Atoi(sm[1])
		return n
	}
	return 0
}

// checkKnown reports catalog ids, platforms and channel addresses that k does not know.
func (c *Config) checkKnown(k Known) []error {
	var errs []error
	for i, s := range c.Services {
		where, bare := fmt.Sprintf("services[%d]", i+1), fmt.Sprintf("services[%d]", i+1)
		if s.Name != "" {
			where += fmt.Sprintf(" (%s)", s.Name)
		} else if s.Catalog != "" {
			where += fmt.Sprintf(" (%s)", s.Catalog)
		}
		if id := strings.TrimSpace(s.Catalog); id != "" && k.Catalog != nil && !slices.Contains(k.Catalog, strings.ToLower(id)) {
			msg := fmt.Sprintf("%s: catalog: %q is not in the catalog", where, s.Catalog)
			if near := nearest(id, slices.Clone(k.Catalog)); near != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", near)
			}
			errs = append(errs, &settingError{path: bare + ".catalog", msg: msg + "; see paywatch catalog"})
		}
		if p := s.Platform; p != "" && k.Platforms != nil && !slices.Contains(k.Platforms, p) {
			msg := fmt.Sprintf("%s: platform: %q is not one Paywatch knows", where, p)
			if near := nearest(p, slices.Clone(k.Platforms)); near != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", near)
			}
			errs = append(errs, &settingError{path: bare + ".platform", msg: msg + "; it knows " + strings.Join(k.Platforms, ", ")})
		}
	}
	if k.Channel != nil {
		for i, ch := range c.Channels {
			if strings.TrimSpace(ch.URL) == "" || !strings.Contains(ch.URL, "://") {
				continue // Validate says so
			}
			if shown, err := k.Channel(ch.URL); err != nil {
				errs = append(errs, &settingError{path: fmt.Sprintf("channels[%d].url", i+1),
					msg: fmt.Sprintf("channels[%d] (%s): url: %v", i+1, shown, err)})
			}
		}
	}
	return errs
}

// notText says why a file is not a settings file at all (binary data, another encoding), or "".
func notText(b []byte) string {
	if !utf8.Valid(b) {
		return "the file is not text (it has bytes that are not UTF-8): settings are YAML text, written in a text editor"
	}
	for i, r := range string(b) {
		if r == 0 || (unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r') {
			line := 1 + strings.Count(string(b[:i]), "\n")
			return fmt.Sprintf("line %d: the file has a control character (%U), so it is not a settings file: settings are YAML text, written in a text editor", line, r)
		}
	}
	return ""
}

// secondDocument is the line where a second YAML document starts, or 0.
func secondDocument(b []byte) int {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var first, second yaml.Node
	if dec.Decode(&first) != nil || dec.Decode(&second) != nil {
		return 0
	}
	line := second.Line
	if len(second.Content) > 0 {
		line = second.Content[0].Line
	}
	// Point at the "---" line that starts it.
	lines := strings.Split(string(b), "\n")
	for l := min(line, len(lines)) - 1; l >= 0; l-- {
		if strings.HasPrefix(lines[l], "---") {
			return l + 1
		}
	}
	return line
}

// shownText is a message with the control and invisible characters it quotes from the file
// written as escapes (\x1b), so that they never reach a terminal.
func shownText(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || isInvisible(r) }) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteRune(r) // between messages
		case unicode.IsControl(r) && r < 0x100:
			fmt.Fprintf(&b, "\\x%02x", r)
		case unicode.IsControl(r) || isInvisible(r):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func errEOF(err error) error {
	if err != nil && err.Error() == "EOF" {
		return err
	}
	return errors.New("not eof")
}

var fieldNotFound = regexp.MustCompile(`field (\S+) not found in type (\S+)`)

// yamlKeys lists the keys of every settings struct reachable from Config, by Go type name
// ("monitor.ServiceConfig"), to suggest the key a misspelt one was meant to be.
var yamlKeys = func() map[string][]string {
	out := map[string][]string{}
	var visit func(t reflect.Type)
	visit = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || out[t.String()] != nil {
			return
		}
		fields := yamlFields(t)
		out[t.String()] = slices.Sorted(maps.Keys(fields))
		for _, ft := range fields {
			visit(ft)
		}
	}
	visit(reflect.TypeFor[Config]())
	return out
}()

func friendlyYAML(s string) string {
	s = strings.TrimPrefix(s, "yaml: ")
	s = fieldNotFound.ReplaceAllStringFunc(s, func(m string) string {
		sm := fieldNotFound.FindStringSubmatch(m)
		msg := fmt.Sprintf("unknown setting %q", sm[1])
		if near := nearest(sm[1], yamlKeys[sm[2]]); near != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", near)
		}
		return msg
	})
	s = goType.ReplaceAllStringFunc(s, func(m string) string {
		// "cannot unmarshal !!map into []monitor.ServiceConfig": say what was written and what
		// was expected in words, not Go types.
		sm := goType.FindStringSubmatch(m)
		got := map[string]string{"!!map": "a mapping (name: value lines)", "!!seq": "a list", "!!str": "the text", "!!int": "a number", "!!bool": "yes/no", "!!float": "a number"}[sm[1]]
		if got == "" {
			got = "a different kind of value"
		}
		want := "a single value"
		switch {
		case strings.HasPrefix(sm[2], "[]"):
			want = `a list (each entry starting with "- ")`
		case strings.HasPrefix(sm[2], "map["), strings.Contains(sm[2], "."):
			want = "a mapping (name: value lines)"
		case sm[2] == "int", sm[2] == "float64":
			want = "a number"
		case sm[2] == "bool":
			want = "yes or no"
		}
		return fmt.Sprintf("expected %s, got %s", want, got)
	})
	return s
}

// goType matches go.yaml's "cannot unmarshal !!map into []monitor.ServiceConfig" (with an
// optional quoted value after the tag).
var goType = regexp.MustCompile(`cannot unmarshal (!!\w+)(?: ` + "`" + `[^` + "`" + `]*` + "`" + `)? into (\S+)`)

// linePaths names the setting on each line of a settings file, so that a message from the YAML
// decoder ("line 5: …") can say which service and field it is about.
type linePaths struct {
	value  map[int]string     // a plain value's line → its setting: "services[1] (Acme Pay).interval"
	block  map[int]string     // where a list or mapping starts → its setting: "services"
	parent map[lineKey]string // a key → the setting that holds it: "services[1] (Acme Pay)"
	quoted map[lineKey]string // a plain value, by its text → its setting
	// at is the line of each setting, by its path by position alone: "services[2].probe.url".
	at map[string]int
}

type lineKey struct {
	line int
	key  string
}

func yamlPaths(b []byte) linePaths {
	lp := linePaths{value: map[int]string{}, block: map[int]string{}, parent: map[lineKey]string{}, quoted: map[lineKey]string{}, at: map[string]int{}}
	var doc yaml.Node
	if yaml.Unmarshal(b, &doc) != nil || len(doc.Content) == 0 {
		return lp
	}
	var walk func(n *yaml.Node, path, bare string)
	walk = func(n *yaml.Node, path, bare string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p, b := k.Value, k.Value
				if path != "" {
					p, b = path+"."+k.Value, bare+"."+k.Value
				}
				if _, seen := lp.at[b]; !seen {
					lp.at[b] = k.Line
				}
				lp.parent[lineKey{k.Line, k.Value}] = path
				lp.record(v, p)
				walk(v, p, b)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i+1)
				b := fmt.Sprintf("%s[%d]", bare, i+1)
				if _, seen := lp.at[b]; !seen {
					lp.at[b] = c.Line
				}
				if c.Kind == yaml.MappingNode {
					for j := 0; j+1 < len(c.Content); j += 2 {
						if k := c.Content[j].Value; k == "name" || k == "catalog" {
							p += fmt.Sprintf(" (%s)", c.Content[j+1].Value)
							break
						}
					}
				}
				lp.record(c, p)
				walk(c, p, b)
			}
		}
	}
	walk(doc.Content[0], "", "")
	return lp
}

// record notes where a node is: the first plain value on a line, the outermost list or mapping
// starting on it.
func (lp linePaths) record(n *yaml.Node, path string) {
	m := lp.value
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		m = lp.block
	} else {
		lp.quoted[lineKey{n.Line, n.Value}] = path
	}
	if _, ok := m[n.Line]; !ok {
		m[n.Line] = path
	}
}

var (
	lineMsg    = regexp.MustCompile(`^line (\d+): (.*)$`)
	unknownKey = regexp.MustCompile(`^unknown setting "([^"]*)"`)
	quotedText = regexp.MustCompile(`"([^"]*)"`)
)

// locate puts "line N: " before a problem with a setting, when the file has the setting (or
// the one holding it).
func (lp linePaths) locate(e error) string {
	var se *settingError
	if !errors.As(e, &se) {
		return e.Error()
	}
	for p := se.path; p != ""; {
		if line, ok := lp.at[p]; ok {
			return fmt.Sprintf("line %d: %s", line, se.msg)
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return se.msg
}

// backticked is the value a go.yaml message quotes ("cannot unmarshal !!str `notalist` into …").
var backticked = regexp.MustCompile("`([^`]*)`")

// name puts the setting a "line N: …" message is about after its line number. hint is the
// value the decoder's own message quoted, which tells apart settings that share a line.
func (lp linePaths) name(msg string, hint ...string) string {
	m := lineMsg.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	n, _ := strconv.Atoi(m[1])
	where, ok := lp.value[n]
	switch {
	case unknownKey.MatchString(m[2]):
		where, ok = lp.parent[lineKey{n, unknownKey.FindStringSubmatch(m[2])[1]}]
	case strings.Contains(m[2], "got a mapping"), strings.Contains(m[2], "got a list"), strings.HasPrefix(m[2], "a list or mapping"):
		where, ok = lp.block[n]
	case len(hint) > 0 && hint[0] != "" && lp.quoted[lineKey{n, hint[0]}] != "":
		where, ok = lp.quoted[lineKey{n, hint[0]}], true
	default:
		// Several values can share a line ({contains: down, state: sad}): the one the
		// message quotes is the one it is about.
		if q := quotedText.FindStringSubmatch(m[2]); q != nil {
			if w, found := lp.quoted[lineKey{n, q[1]}]; found {
				where, ok = w, true
			}
		}
	}
	if !ok || where == "" {
		return msg
	}
	return fmt.Sprintf("line %s: %s: %s", m[1], where, m[2])
}

// nearest is the candidate within two edits of s (a likely misspelling), or "".
func nearest(s string, candidates []string) string {
	best, bestD := "", 3
	slices.Sort(candidates)
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// Validate reports every problem in the settings, each naming the service and field.
func (c *Config) Validate() []error {
	var errs []error
	// bareOf maps a message's "where" (which names the service) to the setting's path by
	// position alone ("services[2].probe"), by which its line is found (ParseConfig).
	bareOf := map[string]string{}
	add := func(where, format string, a ...any) {
		msg := fmt.Sprintf(format, a...)
		path := where
		if b, ok := bareOf[where]; ok {
			path = b
		}
		if f := fieldRE.FindStringSubmatch(msg); f != nil {
			path += "." + f[1]
		}
		errs = append(errs, &settingError{path: path, msg: where + ": " + msg})
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
		bare := where
		if s.Name != "" {
			where += fmt.Sprintf(" (%s)", s.Name)
		} else if s.Catalog != "" {
			where += fmt.Sprintf(" (%s)", s.Catalog)
		}
		bareOf[where] = bare
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
		if s.Platform != "" && s.URL == "" && s.Catalog == "" {
			add(where, "platform: given without url:")
		}
		for j, p := range probes {
			pw := where + ".probe"
			if len(probes) > 1 {
				pw = fmt.Sprintf("%s.probes[%d]", where, j+1)
			}
			// Where the probe is written: probe: comes first, then probes:.
			pb := fmt.Sprintf("%s.probes[%d]", bare, j+1)
			if s.Probe != nil {
				pb = bare + ".probe"
				if j > 0 {
					pb = fmt.Sprintf("%s.probes[%d]", bare, j)
				}
			}
			bareOf[pw] = pb
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
	for _, e := range append(c.Alerts.validate(), c.History.validate()...) {
		path := e.Error()
		if f := fieldRE.FindStringSubmatch(path); f != nil {
			path = f[1]
		}
		errs = append(errs, &settingError{path: path, msg: e.Error()})
	}
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

// fieldRE finds the setting a message starts with: "url: …", "rules[2].contains: …".
var fieldRE = regexp.MustCompile(`^([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*): `)

// settingError is a problem with one setting: its message, and the setting's path by position
// alone ("services[2].probe.method"), by which ParseConfig finds its line.
type settingError struct {
	path, msg string
}

func (e *settingError) Error() string { return e.msg }

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

func filepathMatchCheck(p string) (bool, error) { return filepath.Match(strings.ToLower(p), "") }
