package monitor

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestPageCheckerLastParse walks one page checker through a good answer, a 304, a body that fails
// to parse, a 304 that repeats it, and a good answer again: a 304 after a failure must not bring
// back the report from before the failure.
func TestPageCheckerLastParse(t *testing.T) {
	var mu sync.Mutex
	etag, body := `"a"`, `{"name":"first"}`
	serve := func(tag, b string) {
		mu.Lock()
		etag, body = tag, b
		mu.Unlock()
	}
	rs := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tag, b := etag, body
		mu.Unlock()
		w.Header().Set("ETag", tag)
		if r.Header.Get("If-None-Match") == tag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write([]byte(b))
	})
	f := testFetcher(t, "Paywatch test")

	parses := 0
	errBad := errors.New("not a page")
	parse := func(r io.Reader) (Report, error) {
		parses++
		b, err := io.ReadAll(r)
		if err != nil {
			return Report{}, err
		}
		name, ok := strings.CutPrefix(string(b), `{"name":"`)
		if !ok {
			return Report{}, errBad
		}
		return Report{PageName: strings.TrimSuffix(name, `"}`)}, nil
	}
	c := NewPageChecker(Page{URL: rs.URL, Parse: parse}, f)
	check := func(step, wantName string, wantErr error, wantParses int) {
		t.Helper()
		r, err := c.Check(context.Background())
		if !errors.Is(err, wantErr) {
			t.Fatalf("%s: error %v, want %v", step, err, wantErr)
		}
		if r.PageName != wantName {
			t.Errorf("%s: page %q, want %q", step, r.PageName, wantName)
		}
		if parses != wantParses {
			t.Errorf("%s: %d parses so far, want %d", step, parses, wantParses)
		}
	}

	check("first answer", "first", nil, 1)
	check("304", "first", nil, 1)
	serve(`"b"`, `{"title":"broken"}`)
	check("unreadable answer", "", errBad, 2)
	check("304 after the unreadable answer", "", errBad, 3)
	serve(`"c"`, `{"name":"third"}`)
	check("good answer again", "third", nil, 4)
	check("304 again", "third", nil, 4)

	serve(`"d"`, `<html>`)
	var fe *FetchError
	if _, err := c.Check(context.Background()); !errors.As(err, &fe) || fe.Kind != ErrHTML {
		t.Errorf("web page: error %v, want ErrHTML", err)
	}
	if parses != 4 {
		t.Errorf("a failed fetch was parsed")
	}
}

func TestLastParseParse(t *testing.T) {
	var l LastParse
	calls := 0
	parse := func(name string, err error) func() (Report, error) {
		return func() (Report, error) {
			calls++
			return Report{PageName: name}, err
		}
	}
	if r, _ := l.Parse(true, parse("a", nil)); r.PageName != "a" || calls != 1 {
		t.Fatalf("unchanged with nothing kept: %q after %d calls, want a parse", r.PageName, calls)
	}
	if r, _ := l.Parse(true, parse("b", nil)); r.PageName != "a" || calls != 1 {
		t.Errorf("unchanged: %q after %d calls, want the kept a", r.PageName, calls)
	}
	if r, _ := l.Parse(false, parse("c", nil)); r.PageName != "c" || calls != 2 {
		t.Errorf("changed: %q after %d calls, want c parsed", r.PageName, calls)
	}
	if r, err := l.Parse(false, parse("d", errors.New("bad"))); err == nil || r.PageName != "" {
		t.Errorf("failed parse: %+v, %v; want a zero report and the error", r, err)
	}
	if r, _ := l.Parse(true, parse("e", nil)); r.PageName != "e" {
		t.Errorf("unchanged after a failure: %q, want a fresh parse", r.PageName)
	}
	l.Forget()
	if r, _ := l.Parse(true, parse("f", nil)); r.PageName != "f" {
		t.Errorf("unchanged after Forget: %q, want a fresh parse", r.PageName)
	}
}
