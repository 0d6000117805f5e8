package monitor_test

import (
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

func stateChange(from, to monitor.State) monitor.Change {
	return monitor.Change{Kind: monitor.ChangeState, ServiceID: "stripe", Name: "Stripe", From: from, To: to, At: at(0)}
}

func sev(s monitor.State) *monitor.State { return &s }

func noYes(b bool) *bool { return &b }

func TestSanitize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"plain", "Card payments are slow", 0, "Card payments are slow"},
		{"markup", `<p>We are <a href="https://evil.example">investigating</a></p><p>Next update soon</p>`, 0, "We are investigating Next update soon"},
		{"script", "<script>alert(1)</script>Payouts delayed", 0, "alert(1) Payouts delayed"},
		{"tag across lines", "Before<div\nclass=\"x\">after", 0, "Before after"},
		{"entities", "Visa &amp; Mastercard &#8212; &quot;declines&quot;", 0, `Visa & Mastercard — "declines"`},
		{"encoded markup is markup", "&lt;b&gt;Outage&lt;/b&gt;", 0, "Outage"},
		{"control characters", "Line one\r\nLine two\tand\x00three\x1b[31m", 0, "Line one Line two and three [31m"},
		{"direction and zero-width characters", "pay\u202egnp.exe\u200b ok\u2066x\u2069", 0, "pay gnp.exe ok x"},
		{"whitespace collapsed", "  a \n\n  b  ", 0, "a b"},
		{"capped in runes", "Überweisungen verzögert", 10, "Überweisu…"},
		{"exactly the cap", "0123456789", 10, "0123456789"},
		{"no trailing space before the ellipsis", "one two three", 5, "one…"},
		{"empty", "", 10, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := monitor.Sanitize(tt.in, tt.max); got != tt.want {
				t.Errorf("Sanitize(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

func TestHumanDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0 seconds"},
		{time.Second, "1 second"},
		{45 * time.Second, "45 seconds"},
		{59*time.Second + 700*time.Millisecond, "1 minute"},
		{time.Minute, "1 minute"},
		{12 * time.Minute, "12 minutes"},
		{12*time.Minute + 20*time.Second, "12 minutes"},
		{59*time.Minute + 40*time.Second, "1 hour"},
		{time.Hour, "1 hour"},
		{2*time.Hour + 5*time.Minute, "2 hours 5 minutes"},
		{25*time.Hour + time.Minute, "25 hours 1 minute"},
		{48 * time.Hour, "2 days"},
		{80 * time.Hour, "3 days"},
	}
	for _, tt := range tests {
		t.Run(tt.d.String(), func(t *testing.T) {
			if got := monitor.HumanDuration(tt.d); got != tt.want {
				t.Errorf("HumanDuration(%v) = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}

func TestSourcesLine(t *testing.T) {
	page := func(s monitor.State) monitor.SourceStatus {
		return monitor.SourceStatus{Kind: "page", State: s, CheckedAt: at(0)}
	}
	probe := func(s monitor.State, verdict string) monitor.SourceStatus {
		return monitor.SourceStatus{Kind: "probe", State: s, Verdict: verdict, CheckedAt: at(0)}
	}
	unchecked := monitor.SourceStatus{Kind: "probe", State: unknown, Reason: "not checked yet"}
	tests := []struct {
		name string
		in   []monitor.SourceStatus
		want string
	}{
		{"none", nil, ""},
		{"page only", []monitor.SourceStatus{page(degraded)}, ""},
		{"page and probe", []monitor.SourceStatus{page(operational), probe(major, "failing")}, "Official status: operational · From your network: failing"},
		{"probe only", []monitor.SourceStatus{probe(operational, "reachable")}, "No official status page · From your network: reachable"},
		{"probe without a verdict", []monitor.SourceStatus{page(partial), probe(degraded, "")}, "Official status: partial outage · From your network: degraded"},
		{"several probes", []monitor.SourceStatus{probe(operational, "reachable"), probe(degraded, "slow")}, "No official status page · From your network: reachable, slow"},
		{"unchecked sources left out", []monitor.SourceStatus{page(operational), unchecked}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := monitor.SourcesLine(tt.in); got != tt.want {
				t.Errorf("SourcesLine = %q, want %q", got, tt.want)
			}
		})
	}
}
