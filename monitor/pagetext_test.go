package monitor_test

import (
	"strings"
	"testing"
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
