// Command testsummary shortens the output of `go test -json` to what a reader of a CI log
// needs: one line per package, the full output of every test that failed (and of a package
// that failed outside its tests, such as a panic, a timeout or a build error), and with -tests
// one line per top-level test with its time.
//
//	go test -json ./... 2>&1 | go run ./internal/testsummary [-tests] [-keep REGEXP]
//
// -keep prints the output lines of passing tests that match REGEXP (such as a summary the
// tests log). Lines that are not JSON (the go command's own messages) are printed as they
// are. It exits with status 1 if any test or package failed.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
)

func main() {
	tests := flag.Bool("tests", false, "print one line per top-level test with its time")
	keep := flag.String("keep", "", "print output lines of passing tests that match this regular expression")
	flag.Parse()
	s := &summary{w: os.Stdout, tests: *tests}
	if *keep != "" {
		re, err := regexp.Compile(*keep)
		if err != nil {
			fmt.Fprintf(os.Stderr, "testsummary: -keep: %v\n", err)
			os.Exit(2)
		}
		s.keep = re
	}
	if err := s.read(os.Stdin); err != nil {
		fmt.Fprintf(os.Stderr, "testsummary: %v\n", err)
		os.Exit(2)
	}
	if s.failed {
		os.Exit(1)
	}
}

// event is one line of `go test -json` (see `go doc cmd/test2json`), including the build
// events of `go test -json` (ImportPath, build-output and build-fail).
type event struct {
	Action      string
	Package     string
	Test        string
	Elapsed     float64
	Output      string
	ImportPath  string
	FailedBuild string
}

type summary struct {
	w      io.Writer
	tests  bool
	keep   *regexp.Regexp
	failed bool

	// out holds output not yet printed, by package and then by top-level test ("" for the
	// package's own output); a subtest's output goes with its top-level test, in order.
	out   map[string]map[string][]string
	order map[string][]string // the tests of a package in out, in the order they first printed
	build map[string][]string // build output by import path
}

func (s *summary) read(r io.Reader) error {
	s.out = map[string]map[string][]string{}
	s.order = map[string][]string{}
	s.build = map[string][]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			fmt.Fprintf(s.w, "%s\n", line)
			continue
		}
		s.event(e)
	}
	return sc.Err()
}

func (s *summary) event(e event) {
	top, _, _ := strings.Cut(e.Test, "/")
	switch e.Action {
	case "build-output":
		s.build[e.ImportPath] = append(s.build[e.ImportPath], e.Output)
	case "build-fail":
		s.failed = true
		s.print(s.build[e.ImportPath])
		delete(s.build, e.ImportPath)
	case "output":
		if s.out[e.Package] == nil {
			s.out[e.Package] = map[string][]string{}
		}
		if _, ok := s.out[e.Package][top]; !ok {
			s.order[e.Package] = append(s.order[e.Package], top)
		}
		s.out[e.Package][top] = append(s.out[e.Package][top], e.Output)
	case "pass", "skip":
		switch {
		case e.Test == "":
			s.packageDone(e, "ok")
		case e.Test == top:
			lines := s.take(e.Package, top)
			if s.keep != nil {
				for _, l := range lines {
					if s.keep.MatchString(l) {
						s.print([]string{l})
					}
				}
			}
			if s.tests {
				s.testLine(e, lines)
			}
		}
	case "fail":
		s.failed = true
		switch {
		case e.Test == "":
			s.packageDone(e, "FAIL")
		case e.Test == top:
			s.print(s.take(e.Package, top))
		}
	}
}

// testLine prints "--- PASS: TestX (1.23s)", or for a skipped test its SKIP line with the
// reason (the indented lines after it).
func (s *summary) testLine(e event, lines []string) {
	if e.Action == "skip" {
		for i, l := range lines {
			if !strings.HasPrefix(strings.TrimSpace(l), "--- SKIP") {
				continue
			}
			s.print(lines[i : i+1])
			for _, r := range lines[i+1:] {
				if !strings.HasPrefix(r, "    ") {
					break
				}
				s.print([]string{r})
			}
			return
		}
	}
	fmt.Fprintf(s.w, "--- %s: %s (%.2fs)\n", strings.ToUpper(e.Action), e.Test, e.Elapsed)
}

// packageDone prints the package's line; for a failed package first everything it printed
// that no finished test accounted for: the package's own output and that of tests that never
// ended (a panic or a timeout).
func (s *summary) packageDone(e event, word string) {
	if e.Action == "fail" {
		if e.FailedBuild != "" {
			s.print(s.build[e.FailedBuild])
			delete(s.build, e.FailedBuild)
		}
		for _, test := range s.order[e.Package] {
			if test != "" {
				s.print(s.out[e.Package][test])
			}
		}
		s.print(s.out[e.Package][""])
	}
	delete(s.out, e.Package)
	delete(s.order, e.Package)
	if e.Action == "skip" {
		return // no test files
	}
	fmt.Fprintf(s.w, "%s\t%s\t%.2fs\n", word, e.Package, e.Elapsed)
}

func (s *summary) take(pkg, top string) []string {
	lines := s.out[pkg][top]
	delete(s.out[pkg], top)
	s.order[pkg] = slices.DeleteFunc(s.order[pkg], func(t string) bool { return t == top })
	return lines
}

func (s *summary) print(lines []string) {
	for _, l := range lines {
		io.WriteString(s.w, l)
		if !strings.HasSuffix(l, "\n") {
			io.WriteString(s.w, "\n")
		}
	}
}
