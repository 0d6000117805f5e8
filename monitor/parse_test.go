package monitor

import (
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
	"unsafe"
)

func TestParseTime(t *testing.T) {
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	layouts := []string{"2006-01-02 15:04:05", "2006-01-02 15:04:05 -0700"}
	for _, tt := range []struct {
		in      string
		layouts []string
		want    time.Time
	}{
		{"2026-05-01T08:00:00Z", nil, utc("2026-05-01T08:00:00Z")},
		{" 2026-05-01T08:00:00.123+02:00\n", nil, utc("2026-05-01T06:00:00.123Z")},
		{"2026-05-01 08:00:00", nil, time.Time{}},
		{"2026-05-01 08:00:00", layouts, utc("2026-05-01T08:00:00Z")},
		{"2026-05-01 08:00:00 +0100", layouts, utc("2026-05-01T07:00:00Z")},
		{"yesterday", layouts, time.Time{}},
		{"", layouts, time.Time{}},
		{"   ", layouts, time.Time{}},
	} {
		if got := ParseTime(tt.in, tt.layouts...); !got.Equal(tt.want) {
			t.Errorf("ParseTime(%q, %q) = %v, want %v", tt.in, tt.layouts, got, tt.want)
		}
	}
}

func TestFirstTime(t *testing.T) {
	a := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	b := a.Add(time.Hour)
	if got := FirstTime(time.Time{}, a, b); !got.Equal(a) {
		t.Errorf("FirstTime = %v, want %v", got, a)
	}
	if got := FirstTime(time.Time{}, time.Time{}); !got.IsZero() {
		t.Errorf("FirstTime of zeros = %v, want zero", got)
	}
	if got := FirstTime(); !got.IsZero() {
		t.Errorf("FirstTime() = %v, want zero", got)
	}
}

func TestSkipBOM(t *testing.T) {
	for in, want := range map[string]string{
		"\xef\xbb\xbf{}":           "{}",
		"{}":                       "{}",
		"\xef\xbb":                 "\xef\xbb",
		"":                         "",
		"\xef\xbb\xbf\xef\xbb\xbf": "\xef\xbb\xbf",
	} {
		b, err := io.ReadAll(SkipBOM(strings.NewReader(in)))
		if err != nil || string(b) != want {
			t.Errorf("SkipBOM(%q) read %q, %v; want %q", in, b, err, want)
		}
	}
}

func TestJSONID(t *testing.T) {
	for in, want := range map[string]string{
		`12`: "12", `"12"`: "12", `" 12 "`: "12", `"abc"`: "abc", `null`: "", `1.5e3`: "1.5e3", `""`: "",
	} {
		var v JSONID
		if err := json.Unmarshal([]byte(in), &v); err != nil || string(v) != want {
			t.Errorf("JSONID from %s = %q, %v; want %q", in, v, err, want)
		}
	}
	for _, in := range []string{`{}`, `[1]`, `true`} {
		var v JSONID
		if err := json.Unmarshal([]byte(in), &v); err == nil {
			t.Errorf("JSONID from %s = %q, want an error", in, v)
		}
	}
}

// TestIntern: equal words from two pages come back as one copy; long texts are left alone.
func TestIntern(t *testing.T) {
	a := strings.Clone("Card payments")
	b := strings.Clone("Card payments")
	if unsafe.StringData(Intern(a)) != unsafe.StringData(Intern(b)) {
		t.Error("two equal names are kept twice")
	}
	long := strings.Repeat("x", 65)
	if got := Intern(long); unsafe.StringData(got) != unsafe.StringData(long) {
		t.Error("a long text was copied into the table")
	}
	if Intern("") != "" {
		t.Error("Intern changed an empty string")
	}
}
