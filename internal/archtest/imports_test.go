package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/paywatch/paywatch"

// notPlatforms are the directories under monitor/ that are not status-page platforms. Every
// other directory there is a platform package, so a new platform is covered without editing
// this test.
var notPlatforms = map[string]string{
	"channels":   "team channels that alerts are sent to",
	"demo":       "the demo's imitation status pages",
	"detect":     "platform detection, which asks every platform",
	"platforms":  "the table of every platform, which imports them all",
	"history":    "the record of what happened, kept in SQLite",
	"sourcetest": "test support for the platform packages",
	"internal":   "code shared by monitor's packages",
	"testdata":   "test data",
}

// systems are the GOOS values Paywatch ships for: a file built only for one of them must obey
// the rules too.
var systems = []string{"linux", "darwin", "windows"}

// TestImportRules checks the layering of the module:
//   - nothing under monitor/ imports Fyne (fyne.io/...), directly or through another package,
//     tests included;
//   - a platform package (a directory monitor/<name>) imports from this module only monitor
//     and internal packages, and its tests never import another platform;
//   - the desktop code under app/ (apart from the test support app/desktoptest) does no HTTP
//     itself: it does not import net/http.
func TestImportRules(t *testing.T) {
	root := moduleRoot(t)
	platforms := platformDirs(t, root)
	if len(platforms) == 0 {
		t.Fatalf("no platform packages found under %s", filepath.Join(root, "monitor"))
	}
	found := map[string][]string{} // violation -> the systems it shows on
	var order []string
	for _, goos := range systems {
		for _, v := range checkRules(listPackages(t, root, goos), platforms) {
			if found[v] == nil {
				order = append(order, v)
			}
			found[v] = append(found[v], goos)
		}
	}
	for _, v := range order {
		t.Errorf("%s (GOOS %s)", v, strings.Join(found[v], ", "))
	}
}

// TestHeadlessBuildLinksNoDesktop: the headless build (go build -tags headless, make
// build-headless) links no Fyne, GLFW or OpenGL on any system, so that it starts on a server
// without X or GL libraries and its executable's pages stay small.
func TestHeadlessBuildLinksNoDesktop(t *testing.T) {
	root := moduleRoot(t)
	for _, goos := range systems {
		if v := checkHeadless(goList(t, root, goos, "-tags", "headless", ".")); v != "" {
			t.Errorf("%s (GOOS %s)", v, goos)
		}
	}
}

// checkHeadless names the first desktop package the command (the module's root package) links,
// with the chain of imports that brings it in; "" when there is none.
func checkHeadless(g graph) string {
	chain := g.pathTo(module, isDesktop)
	if chain == nil {
		return ""
	}
	return "the headless build links " + chain[len(chain)-1] + ": " + strings.Join(chain, " -> ")
}

// isDesktop: Fyne and the libraries it draws with.
func isDesktop(path string) bool {
	return isFyne(path) || strings.HasPrefix(path, "github.com/fyne-io/") || strings.HasPrefix(path, "github.com/go-gl/") ||
		strings.Contains(path, "glfw")
}

// checkRules returns one line per broken rule, naming the package and the offending import.
func checkRules(g graph, platforms []string) []string {
	var out []string
	isPlatform := func(path string) bool {
		rest, ok := strings.CutPrefix(path, module+"/monitor/")
		return ok && slices.Contains(platforms, rest)
	}
	for _, p := range g.sortedPaths() {
		pkg := g[p]
		if !pkg.own {
			continue
		}
		if isMonitor(p) {
			for _, imp := range pkg.allImports() {
				if isMonitor(imp) {
					continue // reported there, if it leads to Fyne
				}
				if chain := g.pathTo(imp, isFyne); chain != nil {
					out = append(out, fmt.Sprintf("%s imports Fyne: %s", p, strings.Join(append([]string{p}, chain...), " -> ")))
				}
			}
		}
		if isPlatform(p) {
			for _, imp := range pkg.imports {
				if strings.HasPrefix(imp, module+"/") && imp != module+"/monitor" && !isInternal(imp) {
					out = append(out, fmt.Sprintf("platform package %s imports %s; a platform may import only %s/monitor and internal packages", p, imp, module))
				}
			}
			for _, imp := range pkg.testImports {
				if imp != p && isPlatform(imp) {
					out = append(out, fmt.Sprintf("tests of platform package %s import the platform package %s", p, imp))
				}
			}
		}
		if (p == module+"/app" || strings.HasPrefix(p, module+"/app/")) &&
			p != module+"/app/desktoptest" && !strings.HasPrefix(p, module+"/app/desktoptest/") {
			for _, imp := range pkg.imports {
				if imp == "net/http" || strings.HasPrefix(imp, "net/http/") {
					out = append(out, fmt.Sprintf("%s imports %s; the desktop code does no HTTP itself (the monitor packages do)", p, imp))
				}
			}
		}
	}
	return out
}

func isMonitor(path string) bool {
	return path == module+"/monitor" || strings.HasPrefix(path, module+"/monitor/")
}

func isFyne(path string) bool { return path == "fyne.io" || strings.HasPrefix(path, "fyne.io/") }

// isInternal reports whether path is an internal package (Go's rule: an element "internal").
func isInternal(path string) bool { return slices.Contains(strings.Split(path, "/"), "internal") }

// pkg is one package: its imports from non-test files, and those of its test files (both
// the package's own and the external _test package).
type pkg struct {
	own         bool // in this module
	imports     []string
	testImports []string
}

func (p *pkg) allImports() []string {
	return append(slices.Clone(p.imports), p.testImports...)
}

// graph maps an import path to its package.
type graph map[string]*pkg

func (g graph) sortedPaths() []string {
	var ps []string
	for p := range g {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

// pathTo returns the shortest import chain from the package from to one for which match is
// true (from itself included), following non-test imports; nil if there is none.
func (g graph) pathTo(from string, match func(string) bool) []string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if match(p) {
			var chain []string
			for q := p; q != ""; q = prev[q] {
				chain = append(chain, q)
			}
			slices.Reverse(chain)
			return chain
		}
		if pk := g[p]; pk != nil {
			for _, imp := range pk.imports {
				if _, seen := prev[imp]; !seen {
					prev[imp] = p
					queue = append(queue, imp)
				}
			}
		}
	}
	return nil
}

// listed is what `go list -json` says about a package.
type listed struct {
	ImportPath string
	Imports    []string
	ForTest    string
	Error      *struct{ Err string }
}

// listPackages runs `go list -deps -test` on the whole module for goos and builds the graph.
// Test variants of a package ("p [q.test]") are folded into p: their extra imports become
// p's test imports, and the external test package p_test counts as p's tests.
func listPackages(t *testing.T, root, goos string) graph {
	t.Helper()
	return goList(t, root, goos, "-test", "./...")
}

// goList runs `go list -e -deps ARGS` for goos (ARGS: options, then packages) and builds the
// graph.
func goList(t *testing.T, root, goos string, args ...string) graph {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("the go command is needed to list the module's packages: %v", err)
	}
	cmd := exec.Command(goBin, append([]string{"list", "-e", "-deps", "-json=ImportPath,Imports,ForTest,Error"}, args...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH=amd64", "CGO_ENABLED=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("GOOS=%s go list: %v\n%s", goos, err, stderr.Bytes())
	}
	g, err := parseList(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("GOOS=%s go list: %v", goos, err)
	}
	return g
}

func parseList(r io.Reader) (graph, error) {
	g := graph{}
	get := func(path string) *pkg {
		if g[path] == nil {
			g[path] = &pkg{}
		}
		return g[path]
	}
	dec := json.NewDecoder(r)
	for {
		var l listed
		if err := dec.Decode(&l); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("decode: %w", err)
		}
		if l.Error != nil && !strings.Contains(l.Error.Err, "build constraints exclude all Go files") {
			return nil, fmt.Errorf("package %s: %s", l.ImportPath, l.Error.Err)
		}
		path := plain(l.ImportPath)
		if strings.HasSuffix(path, ".test") {
			continue // the generated test main
		}
		var imports []string
		for _, imp := range l.Imports {
			imports = append(imports, plain(imp))
		}
		own := path == module || strings.HasPrefix(path, module+"/")
		switch {
		case l.ForTest == "":
			p := get(path)
			p.own = own
			p.imports = imports
		case l.ForTest != "" && (path == l.ForTest || path == l.ForTest+"_test"):
			p := get(l.ForTest)
			for _, imp := range imports {
				if imp != l.ForTest && !slices.Contains(p.testImports, imp) {
					p.testImports = append(p.testImports, imp)
				}
			}
		}
		// Other test variants (a dependency recompiled for a test) add nothing new.
	}
	for _, p := range g {
		p.testImports = slices.DeleteFunc(p.testImports, func(imp string) bool { return slices.Contains(p.imports, imp) })
		slices.Sort(p.testImports)
	}
	return g, nil
}

// plain strips the " [p.test]" suffix go list gives test variants.
func plain(path string) string {
	p, _, _ := strings.Cut(path, " ")
	return p
}

// platformDirs lists the directories under monitor/ that hold a platform package.
func platformDirs(t *testing.T, root string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, "monitor"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() || notPlatforms[e.Name()] != "" {
			continue
		}
		goFiles, _ := filepath.Glob(filepath.Join(root, "monitor", e.Name(), "*.go"))
		if len(goFiles) > 0 {
			out = append(out, e.Name())
		}
	}
	return out
}

// moduleRoot is the directory holding go.mod, above this package's directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}
