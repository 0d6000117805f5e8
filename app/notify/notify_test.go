package notify

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/paywatch/paywatch/monitor"
)

// TestDesktopBodyEscapesTheWhole: a title ending inside a tag and an update finishing it, each
// cleaned apart and then joined, reach a D-Bus notification server as text with no element in
// it; bare "<" and "&" are escaped (issue 10 item 6).
func TestDesktopBodyEscapesTheWhole(t *testing.T) {
	title := monitor.PageLine(`Card payments <a href="https://evil.example/login" x="`)
	update := monitor.Sanitize(`">Click here & 1 < 2`, 240)
	body := title + " — " + update

	got := DesktopBody("linux", body)
	dec := xml.NewDecoder(strings.NewReader("<body>" + got + "</body>"))
	var text strings.Builder
	elements := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("body %q is not valid markup: %v", got, err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			elements++
		case xml.CharData:
			text.Write(tok)
		}
	}
	if elements != 1 {
		t.Errorf("body %q has %d elements of its own, want none", got, elements-1)
	}
	if text.String() != body {
		t.Errorf("body reads %q, want %q", text.String(), body)
	}
	for _, goos := range []string{"darwin", "windows"} {
		if got := DesktopBody(goos, body); got != body {
			t.Errorf("DesktopBody(%s) = %q, want the plain text", goos, got)
		}
	}
}
