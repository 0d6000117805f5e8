package monitor_test

import (
	"html"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/paywatch/paywatch/monitor"
)

func TestPageText(t *testing.T) {
	got := monitor.PageText("Found it;\x1b[31m <b>fixing</b>.\r\n\n\n\u202eMore soon.\a\n")
	lines := strings.Split(got, "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "Found it;") || lines[1] != "" || lines[2] != "More soon." ||
		strings.ContainsAny(got, "\x1b\a\r\u202e<>") {
		t.Errorf("PageText = %q, want its two paragraphs, cleaned", got)
	}
	long := monitor.PageText(strings.Repeat("word ", 50000))
	if n := utf8.RuneCountInString(long); n > monitor.MaxPageText {
		t.Errorf("PageText kept %d characters, want at most %d", n, monitor.MaxPageText)
	}
	if n := utf8.RuneCountInString(monitor.PageLine(strings.Repeat("x", 102400))); n != monitor.MaxPageLine {
		t.Errorf("PageLine kept %d characters, want %d", n, monitor.MaxPageLine)
	}
}

// sanitizeByRegexp is Sanitize as it was written before its fast path (issue 14): the
// reference the faster one must agree with on every input.
func sanitizeByRegexp(s string, max int) string {
	tag := regexp.MustCompile(`(?s)<[^>]*>`)
	s = tag.ReplaceAllString(s, " ")
	s = tag.ReplaceAllString(html.UnescapeString(s), " ")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u200b' || r == '\u200e' || r == '\u200f' || r == '\u2060' || r == '\ufeff' ||
			r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069' {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if max > 0 {
		if r := []rune(s); len(r) > max {
			s = strings.TrimSpace(string(r[:max-1])) + "…"
		}
	}
	return s
}

// TestSanitizeAsBefore: Sanitize gives what the regular-expression version gave, on clean text
// (returned as it is) and on every kind of dirt, alone and combined.
func TestSanitizeAsBefore(t *testing.T) {
	pieces := []string{"", "Card payments", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2028", "<b>", "</b>", "<", ">", "<a href=x>",
		"&amp;", "&lt;b&gt;", "&", "&#x202e;", "\x1b[31m", "\a", "\x7f", "\u0085", "\u200b", "\u202e", "\u2066", "\ufeff",
		"\xff", "\xe2\x82", "\ufffd", "é", "日本", "😀", "x", "—", "<<>>", "a>b<c", "&lt;", "&nbsp;"}
	var inputs []string
	for _, a := range pieces {
		for _, b := range pieces {
			inputs = append(inputs, a+b, a+"word"+b, "Word "+a+" word"+b+" end")
		}
	}
	inputs = append(inputs, strings.Repeat("x", 300), strings.Repeat("é ", 150), strings.Repeat("ab ", 67)+"a")
	for _, in := range inputs {
		for _, max := range []int{0, 1, 5, 200} {
			if got, want := monitor.Sanitize(in, max), sanitizeByRegexp(in, max); got != want {
				t.Errorf("Sanitize(%q, %d) = %q, want %q", in, max, got, want)
			}
		}
	}
}

// TestSanitizeCleanTextIsNotCopied: text that is clean already comes back without an
// allocation (every component name of every page goes through it on each new answer).
func TestSanitizeCleanTextIsNotCopied(t *testing.T) {
	for _, s := range []string{"Card payments", "EU / Card acquiring — 3-D Secure", "日本の決済", ""} {
		if n := testing.AllocsPerRun(100, func() { monitor.PageLine(s) }); n != 0 {
			t.Errorf("PageLine(%q) made %v allocations, want none", s, n)
		}
		if n := testing.AllocsPerRun(100, func() { monitor.PageText(s) }); n != 0 {
			t.Errorf("PageText(%q) made %v allocations, want none", s, n)
		}
	}
}

// TestPageTextOneLine: a text of one line is cleaned as one line of several would be.
func TestPageTextOneLine(t *testing.T) {
	for _, in := range []string{"", " ", "Fixed.", "\r", "a\rb", " <b>Fixed</b> &amp; monitoring \u202e", strings.Repeat("word ", 300)} {
		if got, want := monitor.PageText(in), monitor.PageText(in+"\n"); got != want {
			t.Errorf("PageText(%q) = %q, want %q (as with a newline after it)", in, got, want)
		}
	}
}
