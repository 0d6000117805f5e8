package monitor

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// HistoryConfig is the `history:` section: how long the record of what happened is kept, and how
// large it may grow (the oldest records go first past either).
type HistoryConfig struct {
	// Enabled false turns the record off: nothing is written (what was recorded stays readable).
	// Unset means on.
	Enabled *bool `yaml:"enabled,omitempty"`
	// Keep is how long records are kept (default 400 days), written like 400d, 8w or 720h.
	Keep Span `yaml:"keep,omitempty"`
	// MaxSize caps the history file (default 200 MB), written like 200MB or 1GB.
	MaxSize ByteSize `yaml:"max_size,omitempty"`
}

// Limits of the history settings.
const (
	minHistoryKeep = 24 * time.Hour
	minHistorySize = 1 << 20
)

// Recording says whether the history is kept: unless `enabled: false`.
func (h HistoryConfig) Recording() bool { return h.Enabled == nil || *h.Enabled }

func (h HistoryConfig) validate() []error {
	var errs []error
	if h.Keep != 0 && time.Duration(h.Keep) < minHistoryKeep {
		errs = append(errs, fmt.Errorf("history.keep: %s is too short; keep at least 1d", h.Keep))
	}
	if h.MaxSize != 0 && h.MaxSize < minHistorySize {
		errs = append(errs, fmt.Errorf("history.max_size: %s is too small; allow at least 1MB", h.MaxSize))
	}
	return errs
}

// Span is a length of time written in days or weeks as well as Go's units: "400d", "8w", "36h".
type Span time.Duration

var spanDays = regexp.MustCompile(`^(\d+)\s*([dw])$`)

// ParseSpan reads a Span: a whole number of days (400d) or weeks (8w), or a Go duration (720h).
func ParseSpan(s string) (Span, error) {
	s = strings.TrimSpace(s)
	if m := spanDays.FindStringSubmatch(s); m != nil {
		n, err := strconv.ParseInt(m[1], 10, 64)
		unit := 24 * time.Hour
		if m[2] == "w" {
			unit *= 7
		}
		if err != nil || n > int64(math.MaxInt64/unit) {
			return 0, fmt.Errorf("%q is too long", s)
		}
		return Span(time.Duration(n) * unit), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a length of time (write it like 400d, 8w or 72h)", s)
	}
	return Span(d), nil
}

// String writes whole days as "400d", anything else as a Go duration.
func (s Span) String() string {
	d := time.Duration(s)
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (s *Span) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseSpan(n.Value)
	if n.Kind != yaml.ScalarNode {
		err = fmt.Errorf("a list or mapping is not a length of time (write it like 400d, 8w or 72h)")
	}
	if err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %v", n.Line, err)}}
	}
	*s = v
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (s Span) MarshalYAML() (any, error) { return s.String(), nil }

// ByteSize is a size in bytes written like "200MB", "1.5GB" or "500KB" (1 KB = 1024 bytes).
type ByteSize int64

var byteSize = regexp.MustCompile(`^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)?$`)

// ParseByteSize reads a ByteSize: a number with B, KB, MB, GB or TB (powers of 1024; KiB, MiB …
// are the same); a bare number is bytes.
func ParseByteSize(s string) (ByteSize, error) {
	m := byteSize.FindStringSubmatch(strings.ToUpper(strings.TrimSpace(s)))
	if m == nil {
		return 0, fmt.Errorf("%q is not a size (write it like 200MB or 1GB)", s)
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size (write it like 200MB or 1GB)", s)
	}
	mult := map[string]float64{"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}[strings.TrimSuffix(strings.TrimSuffix(m[2], "B"), "I")]
	if v := f * mult; v < math.MaxInt64 {
		return ByteSize(v), nil
	}
	return 0, fmt.Errorf("%q is too large", s)
}

// String writes the size in the largest unit that divides it.
func (b ByteSize) String() string {
	for _, u := range []struct {
		name string
		n    ByteSize
	}{{"TB", 1 << 40}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}} {
		if b > 0 && b%u.n == 0 {
			return fmt.Sprintf("%d%s", b/u.n, u.name)
		}
	}
	return fmt.Sprintf("%dB", int64(b))
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseByteSize(n.Value)
	if n.Kind != yaml.ScalarNode {
		err = fmt.Errorf("a list or mapping is not a size (write it like 200MB or 1GB)")
	}
	if err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %v", n.Line, err)}}
	}
	*b = v
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (b ByteSize) MarshalYAML() (any, error) { return b.String(), nil }
