package feed

import (
	"strings"

	"golang.org/x/net/html"
)

// maxUpdate caps the length of an update's text; a notification needs a paragraph, not a report.
const maxUpdate = 1000

// blockTags separate words: their text must not run into the next element's.
var blockTags = map[string]bool{
	"p": true, "br": true, "div": true, "li": true, "ul": true, "ol": true, "tr": true, "td": true,
	"th": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"blockquote": true, "pre": true, "hr": true, "table": true, "section": true, "article": true,
}

// skipTags hold no readable text.
var skipTags = map[string]bool{"script": true, "style": true, "head": true, "title": true, "noscript": true, "template": true}

// PlainText turns untrusted HTML (or text with entities) into one line of plain text: tags are
// dropped, script and style contents with them, entities are decoded and whitespace collapses.
// Text without markup comes back with its whitespace collapsed.
func PlainText(s string) string {
	_, text := statusAndText(s, nil)
	return text
}

// statusAndText reads a status page's update markup. Statuspage, Instatus and incident.io write
// each update as "<small>date</small><br><strong>Status</strong> - text", newest first. With
// known set, it returns the first <strong> text that known accepts and the text of that update
// alone (a <strong> known rejects, such as a "THIS IS A SCHEDULED EVENT" banner, is passed over);
// without a status it returns all the text.
func statusAndText(s string, known func(string) bool) (status, text string) {
	updates := known != nil
	if !strings.ContainsAny(s, "<&") {
		return "", clip(collapse(s))
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var all, st, upd strings.Builder
	var skip, small int
	// phase: 0 before the first <strong>, 1 inside it, 2 in the text of its update, 3 done.
	phase := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if phase >= 2 {
				return collapse(st.String()), clip(trimLead(collapse(upd.String())))
			}
			return "", clip(collapse(all.String()))
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			tag := string(name)
			start := tt != html.EndTagToken
			if skipTags[tag] && tt != html.SelfClosingTagToken {
				if start {
					skip++
				} else if skip > 0 {
					skip--
				}
				continue
			}
			if blockTags[tag] {
				all.WriteByte(' ')
				if phase == 2 {
					upd.WriteByte(' ')
				}
			}
			if !updates {
				continue
			}
			switch tag {
			case "small":
				if tt == html.StartTagToken {
					small++
				} else if tt == html.EndTagToken && small > 0 {
					small--
				}
				if phase == 2 && start {
					phase = 3 // the next update's date
				}
			case "strong", "b":
				switch {
				case phase == 0 && tt == html.StartTagToken:
					phase = 1
				case phase == 1 && tt == html.EndTagToken:
					phase = 2
					if !known(collapse(st.String())) {
						phase = 0
						st.Reset()
					}
				case phase == 2 && start:
					phase = 3 // the next update's status
				}
			case "p":
				// "<p><strong>Resolved</strong></p><p>text</p>" keeps its text in the next
				// paragraph: an update ends with its paragraph only once it has words.
				if phase == 2 && tt == html.EndTagToken && strings.TrimSpace(upd.String()) != "" {
					phase = 3
				}
			}
		case html.TextToken:
			if skip > 0 {
				continue
			}
			t := string(z.Text())
			all.WriteString(t)
			switch {
			case small > 0:
			case phase == 1:
				st.WriteString(t)
			case phase == 2:
				upd.WriteString(t)
			}
		}
	}
}

// collapse joins the words of s with single spaces.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// trimLead drops the dash or colon between a status and its text.
func trimLead(s string) string {
	return strings.TrimSpace(strings.TrimLeft(s, " -–—:"))
}

func clip(s string) string {
	if rs := []rune(s); len(rs) > maxUpdate {
		return strings.TrimSpace(string(rs[:maxUpdate])) + "…"
	}
	return s
}
