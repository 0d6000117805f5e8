//go:build linux

package desktoptest

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
)

// WithRaceLog is for programs built with the race detector (Build(t, pkg, "-race")). They
// keep running after a data race and write their reports to files under t's temporary
// directory instead of their output (GORACE=exitcode=0 halt_on_error=0 log_path=...), because
// third-party code such as fyne.io/systray has races of its own. When the test ends, after
// the programs were stopped, the reports are read: a race with an access in this module's own
// code fails the test and is printed in full; the others are counted in one log line.
//
// "This module" is the main module of the test binary (github.com/paywatch/paywatch for
// Paywatch's tests), plus the package main of the program under test.
func WithRaceLog(t testing.TB) Option {
	dir := t.TempDir()
	return func(c *config) { c.raceDir = dir }
}

// raceEnv is the GORACE setting for WithRaceLog.
func raceEnv(dir string) string {
	return "GORACE=exitcode=0 halt_on_error=0 log_path=" + filepath.Join(dir, "race")
}

// checkRaces reads the race reports in dir (files race.<pid>) and fails t for each one in
// module's code; the rest are summed up in one line.
func checkRaces(t testing.TB, dir, module string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "race.*"))
	if err != nil {
		t.Errorf("desktoptest: race reports: %v", err)
		return
	}
	slices.Sort(files)
	var all Races
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Errorf("desktoptest: race reports: %v", err)
			continue
		}
		r := SplitRaces(string(b), module)
		all.Ours = append(all.Ours, r.Ours...)
		for pkg, n := range r.Theirs {
			if all.Theirs == nil {
				all.Theirs = map[string]int{}
			}
			all.Theirs[pkg] += n
		}
	}
	for _, r := range all.Ours {
		t.Errorf("data race in %s:\n%s", module, r)
	}
	if line := all.Summary(); line != "" {
		t.Log("desktoptest: " + line)
	}
}

// mainModule is the module of the running test binary.
func mainModule() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Path != "" {
		return bi.Main.Path
	}
	return ""
}

// Races is what a race detector log holds, split by whose code races.
type Races struct {
	// Ours are the full reports where an access happens in the module's own code: the top
	// frame of the racing access, or of the previous one, is in the module or in package main.
	Ours []string
	// Theirs counts the other reports by the third-party packages whose code races: for each
	// of the two accesses the first frame outside the standard library and the module, as
	// "inside P" or "between P and Q".
	Theirs map[string]int
}

// Summary is one line counting the third-party reports, most frequent first, or "" if there
// are none.
func (r Races) Summary() string {
	total := 0
	for _, n := range r.Theirs {
		total += n
	}
	if total == 0 {
		return ""
	}
	where := slices.SortedFunc(maps.Keys(r.Theirs), func(a, b string) int {
		if r.Theirs[a] != r.Theirs[b] {
			return r.Theirs[b] - r.Theirs[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(where))
	for i, w := range where {
		parts[i] = fmt.Sprintf("%d %s", r.Theirs[w], w)
	}
	noun := "reports"
	if total == 1 {
		noun = "report"
	}
	return fmt.Sprintf("%d data race %s in third-party code ignored: %s", total, noun, strings.Join(parts, "; "))
}

var (
	accessLine = regexp.MustCompile(`^\s*(Previous )?(read|write|Read|Write) at 0x[0-9a-f]+ by `)
	frameLine  = regexp.MustCompile(`^\s+([^\s/][^\s]*)\(.*\)$`)
)

// SplitRaces splits a race detector log into reports and sorts them into Races: a report is
// ours when the top frame of one of its two accesses is in module (an import path prefix) or
// in package main.
func SplitRaces(log, module string) Races {
	var r Races
	blocks := strings.Split(log, "WARNING: DATA RACE")
	for _, b := range blocks[1:] {
		b, _, _ = strings.Cut(b, "==================")
		lines := strings.Split(b, "\n")
		mine := false
		var culprits []string // per access, the first third-party package in its stack
		for i, l := range lines {
			if !accessLine.MatchString(l) {
				continue
			}
			if i+1 < len(lines) && isOwn(funcName(lines[i+1]), module) {
				mine = true
			}
			for _, f := range lines[i+1:] {
				if strings.TrimSpace(f) == "" {
					break // the end of this access's stack
				}
				if fn := funcName(f); fn != "" && !isStd(fn) && !isOwn(fn, module) {
					if p := funcPackage(fn); !slices.Contains(culprits, p) {
						culprits = append(culprits, p)
					}
					break
				}
			}
		}
		if mine {
			r.Ours = append(r.Ours, strings.Trim(b, "\n"))
			continue
		}
		slices.Sort(culprits)
		var where string
		switch len(culprits) {
		case 0:
			where = "inside the standard library"
		case 1:
			where = "inside " + culprits[0]
		default:
			where = "between " + strings.Join(culprits, " and ")
		}
		if r.Theirs == nil {
			r.Theirs = map[string]int{}
		}
		r.Theirs[where]++
	}
	return r
}

// funcName is the function of a stack frame line ("  fyne.io/systray.argbForImage()"), or "".
func funcName(line string) string {
	m := frameLine.FindStringSubmatch(line)
	if m == nil {
		return ""
	}
	return m[1]
}

func isOwn(fn, module string) bool {
	if fn == "" {
		return false
	}
	return strings.HasPrefix(fn, "main.") || module != "" &&
		(strings.HasPrefix(fn, module+".") || strings.HasPrefix(fn, module+"/"))
}

// isStd reports whether a function is in the standard library: its package path has no dot
// in its first element, as in "reflect.Value.Uint" or "internal/poll.(*FD).Read".
func isStd(fn string) bool {
	first, _, _ := strings.Cut(funcPackage(fn), "/")
	return !strings.Contains(first, ".")
}

// funcPackage is the import path of a function's package: "github.com/godbus/dbus/v5" for
// "github.com/godbus/dbus/v5.(*Conn).Send".
func funcPackage(fn string) string {
	slash := strings.LastIndex(fn, "/")
	dot := strings.Index(fn[slash+1:], ".")
	if dot < 0 {
		return fn
	}
	return fn[:slash+1+dot]
}
