package monitor_test

import (
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

func TestHistorySettings(t *testing.T) {
	c, err := monitor.ParseConfig([]byte("services: [{name: Acme Pay, url: https://status.acme.example}]\nhistory: {keep: 400d, max_size: 200MB}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if time.Duration(c.History.Keep) != 400*24*time.Hour || c.History.MaxSize != 200<<20 {
		t.Errorf("history %+v, want 400 days and 200 MB", c.History)
	}
	c, err = monitor.ParseConfig([]byte("services: [{name: Acme Pay, url: https://status.acme.example}]\n"))
	if err != nil || c.History != (monitor.HistoryConfig{}) {
		t.Errorf("no history section: %+v, %v; want zero values (the defaults)", c.History, err)
	}
	if !c.History.Recording() {
		t.Error("no history section: not recording, want the history on by default")
	}
	for in, want := range map[string]bool{"{enabled: false}": false, "{enabled: true, keep: 30d}": true, "{keep: 30d}": true} {
		c, err = monitor.ParseConfig([]byte("services: [{name: Acme Pay, url: https://status.acme.example}]\nhistory: " + in + "\n"))
		if err != nil || c.History.Recording() != want {
			t.Errorf("history: %s: recording %v, %v; want %v", in, c.History.Recording(), err, want)
		}
	}
}

func TestParseSpanAndByteSize(t *testing.T) {
	for in, want := range map[string]time.Duration{"400d": 400 * 24 * time.Hour, "8w": 56 * 24 * time.Hour, "72h": 72 * time.Hour, " 1d ": 24 * time.Hour} {
		if got, err := monitor.ParseSpan(in); err != nil || time.Duration(got) != want {
			t.Errorf("ParseSpan(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1y", "a year", "-3d", "3.5d", "99999999999999999d"} {
		if got, err := monitor.ParseSpan(in); err == nil {
			t.Errorf("ParseSpan(%q) = %v, want an error", in, got)
		}
	}
	for in, want := range map[string]monitor.ByteSize{"200MB": 200 << 20, "1GB": 1 << 30, "1.5gb": 3 << 29, "512KiB": 512 << 10, "4096": 4096, "10 MB": 10 << 20} {
		if got, err := monitor.ParseByteSize(in); err != nil || got != want {
			t.Errorf("ParseByteSize(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "200M", "lots", "-1MB", "1e30TB"} {
		if got, err := monitor.ParseByteSize(in); err == nil {
			t.Errorf("ParseByteSize(%q) = %v, want an error", in, got)
		}
	}
	if s := monitor.Span(400 * 24 * time.Hour).String(); s != "400d" {
		t.Errorf("400 days is written %q", s)
	}
	if s := monitor.ByteSize(200 << 20).String(); s != "200MB" {
		t.Errorf("200 MB is written %q", s)
	}
}
