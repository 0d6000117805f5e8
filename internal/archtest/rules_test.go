package archtest

import (
	"slices"
	"strings"
	"testing"
)

// TestCheckRulesNamesTheOffendingImport: each rule catches a made-up violation and says which
// import breaks it, and what the rules allow passes. A package of monitor/ that reaches Fyne
// only through another one (bolt and detect through demo) is not blamed: demo is.
func TestCheckRulesNamesTheOffendingImport(t *testing.T) {
	m := module + "/"
	g := graph{
		m + "monitor":               {own: true, imports: []string{"net/http"}},
		m + "monitor/internal/page": {own: true, imports: []string{m + "monitor"}},
		m + "monitor/acme":          {own: true, imports: []string{m + "monitor", m + "monitor/internal/page", "golang.org/x/net/html"}, testImports: []string{m + "monitor/sourcetest", m + "monitor/acme"}},
		m + "monitor/bolt":          {own: true, imports: []string{m + "monitor", m + "monitor/acme", m + "monitor/demo"}, testImports: []string{m + "monitor/acme"}},
		m + "monitor/demo":          {own: true, imports: []string{"example.com/pretty"}},
		m + "monitor/sourcetest":    {own: true, imports: []string{m + "monitor"}},
		m + "monitor/detect":        {own: true, imports: []string{m + "monitor/acme", m + "monitor/bolt"}},
		m + "app":                   {own: true, imports: []string{"fyne.io/fyne/v2", m + "monitor", "net/http/httputil"}},
		m + "app/desktoptest":       {own: true, imports: []string{"net/http"}},
		m + "app/logfile":           {own: true, imports: []string{"os"}},
		"example.com/pretty":        {imports: []string{"fyne.io/fyne/v2/widget"}},
		"fyne.io/fyne/v2":           {},
		"fyne.io/fyne/v2/widget":    {imports: []string{"fyne.io/fyne/v2"}},
		"golang.org/x/net/html":     {},
	}
	got := checkRules(g, []string{"acme", "bolt"})
	want := []string{
		m + "app imports net/http/httputil",
		"platform package " + m + "monitor/bolt imports " + m + "monitor/acme",
		"platform package " + m + "monitor/bolt imports " + m + "monitor/demo",
		"tests of platform package " + m + "monitor/bolt import the platform package " + m + "monitor/acme",
		m + "monitor/demo imports Fyne: " + m + "monitor/demo -> example.com/pretty -> fyne.io/fyne/v2/widget",
	}
	for _, w := range want {
		if !slices.ContainsFunc(got, func(v string) bool { return strings.HasPrefix(v, w) }) {
			t.Errorf("no violation starting %q in:\n%s", w, strings.Join(got, "\n"))
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d violations, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
}

// TestCheckHeadlessNamesTheChain: a desktop package reached from the command, however far
// down, is named with the imports that bring it in; a graph without one passes.
func TestCheckHeadlessNamesTheChain(t *testing.T) {
	m := module + "/"
	g := graph{
		module:                            {own: true, imports: []string{m + "internal/cli"}},
		m + "internal/cli":                {own: true, imports: []string{m + "monitor", "example.com/pretty"}},
		m + "monitor":                     {own: true, imports: []string{"net/http"}},
		"example.com/pretty":              {imports: []string{"github.com/go-gl/glfw/v3.3/glfw"}},
		"github.com/go-gl/glfw/v3.3/glfw": {},
	}
	want := "the headless build links github.com/go-gl/glfw/v3.3/glfw: " + module + " -> " + m + "internal/cli -> example.com/pretty -> github.com/go-gl/glfw/v3.3/glfw"
	if got := checkHeadless(g); got != want {
		t.Errorf("checkHeadless = %q, want %q", got, want)
	}
	g["example.com/pretty"].imports = nil
	g[m+"monitor"].imports = []string{"fyne.io/fyne/v2"}
	if got := checkHeadless(g); !strings.HasSuffix(got, m+"monitor -> fyne.io/fyne/v2") {
		t.Errorf("Fyne through monitor gave %q", got)
	}
	g[m+"monitor"].imports = nil
	if got := checkHeadless(g); got != "" {
		t.Errorf("a build without the desktop gave %q", got)
	}
}

// TestParseListFoldsTestVariants: the test variants go list prints for a package (its own
// test build and the external _test package) become that package's test imports.
func TestParseListFoldsTestVariants(t *testing.T) {
	out := `{"ImportPath": "fmt"}
{"ImportPath": "` + module + `/monitor/acme", "Imports": ["fmt", "` + module + `/monitor"]}
{"ImportPath": "` + module + `/monitor/acme [` + module + `/monitor/acme.test]", "ForTest": "` + module + `/monitor/acme",
 "Imports": ["fmt", "testing", "` + module + `/monitor [` + module + `/monitor/acme.test]"]}
{"ImportPath": "` + module + `/monitor [` + module + `/monitor/acme.test]", "ForTest": "` + module + `/monitor/acme", "Imports": ["net/http"]}
{"ImportPath": "` + module + `/monitor/acme_test [` + module + `/monitor/acme.test]", "ForTest": "` + module + `/monitor/acme",
 "Imports": ["` + module + `/monitor/acme [` + module + `/monitor/acme.test]", "` + module + `/monitor/sourcetest"]}
{"ImportPath": "` + module + `/monitor/acme.test", "Imports": ["os"]}
{"ImportPath": "` + module + `/monitor", "Imports": ["net/http"]}
`
	g, err := parseList(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	acme := g[module+"/monitor/acme"]
	if acme == nil || !acme.own {
		t.Fatalf("acme = %+v, want a package of this module", acme)
	}
	if want := []string{"fmt", module + "/monitor"}; !slices.Equal(acme.imports, want) {
		t.Errorf("acme imports %q, want %q", acme.imports, want)
	}
	if want := []string{module + "/monitor/sourcetest", "testing"}; !slices.Equal(acme.testImports, want) {
		t.Errorf("acme test imports %q, want %q", acme.testImports, want)
	}
	if m := g[module+"/monitor"]; m == nil || !slices.Equal(m.imports, []string{"net/http"}) || len(m.testImports) != 0 {
		t.Errorf("monitor = %+v, want its own imports and no test imports from acme's tests", m)
	}
	if _, ok := g[module+"/monitor/acme.test"]; ok {
		t.Error("the generated test main is in the graph")
	}
	if g["fmt"].own {
		t.Error("fmt counted as a package of this module")
	}

	if _, err := parseList(strings.NewReader(`{"ImportPath": "x", "Error": {"Err": "cannot find package"}}`)); err == nil || !strings.Contains(err.Error(), "cannot find package") {
		t.Errorf("a package error gave %v, want it reported", err)
	}
}
