package history

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"html"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func scriptedReport(t *testing.T) Report {
	t.Helper()
	s, _ := scriptedStore(t)
	r, err := s.Report(context.Background(), ReportQuery{From: day, To: day.Add(24 * time.Hour), Location: berlin, BusinessHours: business, Now: hm(12, 0)})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestReportHTML(t *testing.T) {
	r := scriptedReport(t)
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if os.Getenv("HISTORY_REPORT_OUT") != "" {
		must(os.WriteFile(os.Getenv("HISTORY_REPORT_OUT"), b.Bytes(), 0o644))
	}
	// Every text as published, with its hash; the times in Berlin.
	shown := html.UnescapeString(page)
	for _, want := range []string{
		text1, text2, text3,
		Hash(text1), Hash(text2), Hash(text3),
		"https://status.stripe.com/incidents/inc-1",
		"Tue 2026-03-10 10:58:00 +01:00", // started (09:58 UTC)
		"Tue 2026-03-10 12:28:00 +01:00", // resolved
		"Tue 2026-03-10 11:00:00 +01:00", // first seen
		"Tue 2026-03-10 12:30:00 +01:00", // seen to end
		"1 hour 30 minutes",              // duration
		"1 hour 2 minutes",               // inside business hours
		"Offline",                        // not watching
		"Slack #payments", "expired", "delivered",
		"probe:stripe.com",
		"sha256sum", "no newline added",
		"<svg", "@media print",
	} {
		if !strings.Contains(shown, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if strings.Contains(page, "<b>Not</b>") {
		t.Error("a page's markup reached the report unescaped")
	}
	// Self-contained: no scripts, nothing fetched.
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`(?i)<script`), regexp.MustCompile(`(?i)\bon[a-z]+\s*=`), regexp.MustCompile(`(?i)\bsrc\s*=`),
		regexp.MustCompile(`(?i)<link`), regexp.MustCompile(`(?i)@import`), regexp.MustCompile(`(?i)url\(`),
		regexp.MustCompile(`(?i)<(iframe|object|embed|img)`),
	} {
		if loc := bad.FindStringIndex(page); loc != nil {
			t.Errorf("the report has %q", page[loc[0]:min(len(page), loc[1]+40)])
		}
	}
	// The summary comes first.
	if strings.Index(page, "Summary") > strings.Index(page, "Official timeline") {
		t.Error("the summary is not on top")
	}
}

func TestReportCSV(t *testing.T) {
	r := scriptedReport(t)
	var b bytes.Buffer
	if err := WriteCSV(&b, r); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	count := map[string]int{}
	var texts []string
	for _, rec := range recs[1:] {
		count[rec[col["record"]]]++
		if rec[col["record"]] == "update" {
			texts = append(texts, rec[col["text"]])
			if Hash(rec[col["text"]]) != rec[col["sha256"]] {
				t.Errorf("the CSV's hash of %q does not match its text", rec[col["text"]])
			}
		}
		if rec[col["record"]] == "incident" {
			if rec[col["duration_minutes"]] != "90.0" || rec[col["business_hours_minutes"]] != "62.0" || rec[col["start"]] != "2026-03-10T10:58:00+01:00" {
				t.Errorf("incident row %v", rec)
			}
		}
	}
	if want := map[string]int{"incident": 1, "update": 3, "source_change": 6, "not_watched": 2, "message": 4}; !equalMaps(count, want) {
		t.Errorf("rows %v, want %v", count, want)
	}
	if strings.Join(texts, "|") != strings.Join([]string{text1, text2, text3}, "|") {
		t.Errorf("texts %q", texts)
	}
	if got := cell("=HYPERLINK(\"x\")"); got != "'=HYPERLINK(\"x\")" {
		t.Errorf("a formula cell is written %q", got)
	}
}

func equalMaps(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestReportJSON(t *testing.T) {
	r := scriptedReport(t)
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	var got struct {
		TimeZone  string `json:"time_zone"`
		HashNote  string `json:"hash_note"`
		Incidents []struct {
			Title           string  `json:"title"`
			Impact          string  `json:"impact"`
			DurationMinutes float64 `json:"duration_minutes"`
			BusinessMinutes float64 `json:"business_hours_minutes"`
			Updates         []struct {
				Text   string `json:"text"`
				SHA256 string `json:"sha256"`
			} `json:"updates"`
			Sources []struct {
				From string `json:"from"`
				To   string `json:"to"`
			} `json:"sources"`
		} `json:"incidents"`
		NotWatched []struct {
			Kind string `json:"kind"`
		} `json:"not_watched"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.TimeZone != "Europe/Berlin" || got.HashNote != HashNote || len(got.Incidents) != 1 || len(got.NotWatched) != 1 {
		t.Fatalf("report %+v", got)
	}
	in := got.Incidents[0]
	if in.Impact != "major_outage" || in.DurationMinutes != 90 || in.BusinessMinutes != 62 || len(in.Updates) != 3 ||
		in.Updates[1].Text != text2 || in.Updates[1].SHA256 != Hash(text2) || in.Sources[0].From != "not_watched" {
		t.Errorf("incident %+v", in)
	}
}

func TestReportEmpty(t *testing.T) {
	s := testStore(t, Options{Now: func() time.Time { return day }})
	r, err := s.Report(context.Background(), ReportQuery{From: day.Add(-24 * time.Hour), To: day})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "No incident or maintenance was recorded") {
		t.Error("an empty report does not say so")
	}
	for _, w := range []func(*bytes.Buffer, Report) error{
		func(b *bytes.Buffer, r Report) error { return WriteCSV(b, r) },
		func(b *bytes.Buffer, r Report) error { return WriteJSON(b, r) },
	} {
		b.Reset()
		if err := w(&b, r); err != nil {
			t.Error(err)
		}
	}
}

func TestHash(t *testing.T) {
	if got, want := Hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; got != want {
		t.Errorf("Hash(abc) = %s, want %s", got, want)
	}
	// The check the report describes, on a text with a line break and an ampersand.
	if sum, err := exec.Command("sh", "-c", `printf '%s' "$0" | sha256sum`, text1+text2).Output(); err == nil {
		if got := strings.Fields(string(sum))[0]; got != Hash(text1+text2) {
			t.Errorf("sha256sum says %s, Hash %s", got, Hash(text1+text2))
		}
	}
}

// The report opened in headless Chromium renders (a non-blank screenshot of the summary).
func TestReportInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Skip("no chromium here (apt-get install chromium)")
	}
	r := scriptedReport(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	f, err := os.Create(page)
	must(err)
	must(WriteHTML(f, r))
	must(f.Close())
	shot := filepath.Join(dir, "report.png")
	if out := os.Getenv("HISTORY_SCREENSHOT_OUT"); out != "" {
		shot = out
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--window-size=1200,1600", "--screenshot="+shot, "file://"+page)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	// The page as the browser built it: the summary row and every update with its hash.
	cmd = exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--dump-dom", "file://"+page)
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium dump-dom: %v", err)
	}
	row := regexp.MustCompile(`(?s)<tr>\s*<td>Stripe</td>\s*<td><a href="#incident-1">Elevated errors on card payments</a>.*?</tr>`)
	if !row.Match(dom) {
		t.Error("the rendered page has no summary row for the incident")
	}
	for _, h := range []string{Hash(text1), Hash(text2), Hash(text3)} {
		if !bytes.Contains(dom, []byte(h)) {
			t.Errorf("the rendered page lacks the hash %s", h)
		}
	}
	pdf := filepath.Join(dir, "report.pdf")
	cmd = exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--no-pdf-header-footer", "--print-to-pdf="+pdf, "file://"+page)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium print: %v\n%s", err, out)
	}
	if fi, err := os.Stat(pdf); err != nil || fi.Size() < 10_000 {
		t.Errorf("printed PDF: %v", err)
	}
	sf, err := os.Open(shot)
	must(err)
	defer sf.Close()
	img, err := png.Decode(sf)
	if err != nil {
		t.Fatal(err)
	}
	// The summary table's impact pill is drawn in the major-outage red somewhere near the top.
	b := img.Bounds()
	red, colours := 0, map[[3]uint32]bool{}
	for y := b.Min.Y; y < min(b.Max.Y, 700); y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 12, g >> 12, bl >> 12}] = true
			if r>>8 > 0xc0 && g>>8 < 0x60 && bl>>8 < 0x60 {
				red++
			}
		}
	}
	if red < 50 || len(colours) < 10 {
		t.Errorf("the screenshot looks blank: %d red pixels, %d colours", red, len(colours))
	}
}
