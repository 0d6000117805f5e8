package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// stream builds a `go test -json` stream from events.
func stream(t *testing.T, events ...event) string {
	t.Helper()
	var b strings.Builder
	for _, e := range events {
		j, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}

func out(pkg, test, text string) event {
	return event{Action: "output", Package: pkg, Test: test, Output: text}
}

func run(t *testing.T, s *summary, in string) string {
	t.Helper()
	var b bytes.Buffer
	s.w = &b
	if err := s.read(strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestPassingPackagesAreOneLineEach(t *testing.T) {
	in := stream(t,
		event{Action: "start", Package: "p/a"},
		event{Action: "run", Package: "p/a", Test: "TestOne"},
		out("p/a", "TestOne", "=== RUN   TestOne\n"),
		out("p/a", "TestOne", "    a_test.go:10: chatter nobody needs\n"),
		out("p/a", "TestOne", "--- PASS: TestOne (0.50s)\n"),
		event{Action: "pass", Package: "p/a", Test: "TestOne", Elapsed: 0.5},
		out("p/a", "", "PASS\n"),
		event{Action: "pass", Package: "p/a", Elapsed: 0.61},
		event{Action: "start", Package: "p/empty"},
		out("p/empty", "", "?   \tp/empty\t[no test files]\n"),
		event{Action: "skip", Package: "p/empty"},
	)
	s := &summary{}
	if got, want := run(t, s, in), "ok\tp/a\t0.61s\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
	if s.failed {
		t.Error("failed set for passing packages")
	}

	s = &summary{tests: true, keep: regexp.MustCompile(`nobody`)}
	want := "    a_test.go:10: chatter nobody needs\n--- PASS: TestOne (0.50s)\nok\tp/a\t0.61s\n"
	if got := run(t, s, in); got != want {
		t.Errorf("with -tests -keep: output %q, want %q", got, want)
	}
}

func TestFailedTestPrintsItsOutput(t *testing.T) {
	in := stream(t,
		event{Action: "run", Package: "p/b", Test: "TestGood"},
		out("p/b", "TestGood", "    b_test.go:5: quiet please\n"),
		event{Action: "run", Package: "p/b", Test: "TestBad"},
		out("p/b", "TestBad", "=== RUN   TestBad\n"),
		out("p/b", "TestBad/case", "    b_test.go:20: got 1, want 2\n"),
		out("p/b", "TestBad/case", "    --- FAIL: TestBad/case (0.00s)\n"),
		event{Action: "fail", Package: "p/b", Test: "TestBad/case"},
		out("p/b", "TestBad", "--- FAIL: TestBad (0.01s)\n"),
		event{Action: "fail", Package: "p/b", Test: "TestBad", Elapsed: 0.01},
		event{Action: "pass", Package: "p/b", Test: "TestGood"},
		out("p/b", "", "FAIL\n"),
		event{Action: "fail", Package: "p/b", Elapsed: 1.5},
	)
	s := &summary{tests: true}
	got := run(t, s, in)
	want := "=== RUN   TestBad\n    b_test.go:20: got 1, want 2\n    --- FAIL: TestBad/case (0.00s)\n--- FAIL: TestBad (0.01s)\n" +
		"--- PASS: TestGood (0.00s)\nFAIL\nFAIL\tp/b\t1.50s\n"
	if got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
	if !s.failed {
		t.Error("failed not set")
	}
}

// A test that panics or times out never ends: its output comes with the package's failure.
func TestUnfinishedTestPrintedWithPackage(t *testing.T) {
	in := stream(t,
		event{Action: "run", Package: "p/c", Test: "TestHangs"},
		out("p/c", "TestHangs", "    c_test.go:3: waiting\n"),
		event{Action: "run", Package: "p/c", Test: "TestFine"},
		event{Action: "pass", Package: "p/c", Test: "TestFine"},
		out("p/c", "", "panic: test timed out after 1s\n"),
		event{Action: "fail", Package: "p/c", Elapsed: 1},
	)
	got := run(t, &summary{}, in)
	want := "    c_test.go:3: waiting\npanic: test timed out after 1s\nFAIL\tp/c\t1.00s\n"
	if got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}

func TestBuildFailureAndSkipReason(t *testing.T) {
	in := "go: downloading example.com/x v1.0.0\n" + stream(t,
		event{Action: "build-output", ImportPath: "p/d [p/d.test]", Output: "# p/d\n"},
		event{Action: "build-output", ImportPath: "p/d [p/d.test]", Output: "d.go:1:1: undefined: x\n"},
		event{Action: "build-fail", ImportPath: "p/d [p/d.test]"},
		out("p/d", "", "FAIL\tp/d [build failed]\n"),
		event{Action: "fail", Package: "p/d", FailedBuild: "p/d [p/d.test]"},
		event{Action: "run", Package: "p/e", Test: "TestNeedsX"},
		out("p/e", "TestNeedsX", "=== RUN   TestNeedsX\n"),
		out("p/e", "TestNeedsX", "--- SKIP: TestNeedsX (0.00s)\n"),
		out("p/e", "TestNeedsX", "    e_test.go:9: Xvfb not found\n"),
		event{Action: "skip", Package: "p/e", Test: "TestNeedsX"},
		event{Action: "pass", Package: "p/e", Elapsed: 0.2},
	)
	s := &summary{tests: true}
	got := run(t, s, in)
	want := "go: downloading example.com/x v1.0.0\n# p/d\nd.go:1:1: undefined: x\nFAIL\tp/d [build failed]\nFAIL\tp/d\t0.00s\n" +
		"--- SKIP: TestNeedsX (0.00s)\n    e_test.go:9: Xvfb not found\nok\tp/e\t0.20s\n"
	if got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
	if !s.failed {
		t.Error("failed not set for a build failure")
	}
}
