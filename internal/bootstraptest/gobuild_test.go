package bootstraptest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// machine is a fresh machine as .ci/gobuild sees it: a PATH with the shell tools it uses and
// only the fakes a test puts there, an empty HOME, GOPATH, module cache and build cache, and
// no Go installation in the usual places.
type machine struct {
	t    *testing.T
	bin  string // the PATH
	home string
	log  string // what the fakes were asked to do
}

func newMachine(t *testing.T) *machine {
	t.Helper()
	m := &machine{t: t, bin: t.TempDir(), home: t.TempDir()}
	m.log = filepath.Join(t.TempDir(), "calls.log")
	for _, tool := range []string{"bash", "sed", "sort", "head", "uname", "date", "id", "dirname"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Skipf("%s is missing", tool)
		}
		if err := os.Symlink(p, filepath.Join(m.bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// fake writes an executable script named name onto the PATH.
func (m *machine) fake(name, script string) {
	m.t.Helper()
	body := "#!" + m.bin + "/bash\n" + script
	if err := os.WriteFile(filepath.Join(m.bin, name), []byte(body), 0o755); err != nil {
		m.t.Fatal(err)
	}
}

// fakeGo is a go command of a version that answers "go version" and logs anything else with
// the toolchain setting it was given, building nothing.
func (m *machine) fakeGo(dir, version string) {
	m.t.Helper()
	os.MkdirAll(dir, 0o755)
	script := fmt.Sprintf("#!%s/bash\nif [ \"$1\" = version ]; then echo \"go version go%s linux/amd64\"; exit 0; fi\necho \"go $* GOTOOLCHAIN=$GOTOOLCHAIN\" >> %s\n", m.bin, version, m.log)
	if err := os.WriteFile(filepath.Join(dir, "go"), []byte(script), 0o755); err != nil {
		m.t.Fatal(err)
	}
}

// aptOffers makes apt-cache offer golang-go at a Debian version ("2:1.19~1").
func (m *machine) aptOffers(v string) {
	m.fake("apt-cache", fmt.Sprintf("echo 'golang-go:'; echo '  Installed: (none)'; echo '  Candidate: %s'\n", v))
}

func (m *machine) calls() string {
	b, _ := os.ReadFile(m.log)
	return string(b)
}

// run runs .ci/gobuild as make does, and returns its exit code and what it said.
func (m *machine) run() (int, string) {
	m.t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	empty := func() string { return m.t.TempDir() }
	cmd := exec.Command("/usr/bin/env", "bash", filepath.Join(root, ".ci", "gobuild"), "go", "-X main.v=1", "paywatch-test")
	cmd.Env = []string{"PATH=" + m.bin, "HOME=" + m.home, "GOPATH=" + empty(), "GOMODCACHE=" + empty(), "GOCACHE=" + empty(), "PAYWATCH_GO_SEARCH=" + filepath.Join(m.home, "nothing-here", "go")}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		m.t.Fatal(err)
	}
	return code, out.String()
}

func wantOneLine(t *testing.T, out, have string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	arch := "amd64"
	if runtime.GOARCH == "arm64" {
		arch = "arm64"
	}
	want := "paywatch: building Paywatch needs Go 1.21 or newer and this system has " + have +
		": download go1.26.8.linux-" + arch + ".tar.gz from https://go.dev/dl/, unpack it with: sudo tar -C /usr/local -xzf go1.26.8.linux-" + arch + ".tar.gz, then run make run again"
	if len(lines) != 1 || lines[0] != want {
		t.Errorf("said:\n%s\nwant the one line:\n%s", out, want)
	}
}

// Debian 12: no Go at all, and the distribution's golang-go (1.19) is too old to fetch a newer
// one: one line saying exactly what to install, exit 3, nothing installed or built.
func TestNoGoAndTheDistributionsIsTooOld(t *testing.T) {
	m := newMachine(t)
	m.aptOffers("2:1.19~1")
	m.fake("apt-get", "echo \"apt-get $*\" >> "+m.log+"\n")
	code, out := m.run()
	if code != 3 {
		t.Errorf("exit %d, want 3", code)
	}
	wantOneLine(t, out, "no Go")
	if c := m.calls(); c != "" {
		t.Errorf("ran %q", c)
	}
}

// Only a Go older than 1.21 on the PATH (no apt at all): it cannot switch toolchains, so the
// same one line, naming the version found; that Go is never asked to build.
func TestOnlyAnOldGo(t *testing.T) {
	m := newMachine(t)
	m.fakeGo(m.bin, "1.19.8")
	code, out := m.run()
	if code != 3 {
		t.Errorf("exit %d, want 3", code)
	}
	wantOneLine(t, out, "Go 1.19.8")
	if c := m.calls(); c != "" {
		t.Errorf("the old Go was asked to %q", c)
	}
}

// A Go of 1.21 or newer builds, with GOTOOLCHAIN=auto so that it fetches the version go.mod
// names (Debian's and Ubuntu's go.env say local), saying so and showing progress. An old Go
// first on the PATH is passed over for a newer one installed in the usual places.
func TestNewEnoughGoFetchesTheRightOne(t *testing.T) {
	m := newMachine(t)
	m.fakeGo(m.bin, "1.19.8")
	usual := filepath.Join(m.home, "usr-lib-go-1.22", "bin")
	m.fakeGo(usual, "1.22.2")
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	cmd := exec.Command("/usr/bin/env", "bash", filepath.Join(root, ".ci", "gobuild"), "go", "-X main.v=1", "paywatch-test")
	cmd.Env = []string{"PATH=" + m.bin, "HOME=" + m.home, "GOPATH=" + t.TempDir(), "GOMODCACHE=" + t.TempDir(), "GOCACHE=" + t.TempDir(),
		"GOTOOLCHAIN=local", "PAYWATCH_GO_SEARCH=" + filepath.Join(m.home, "usr-lib-go-*", "bin", "go")}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := "using Go 1.22.2 (" + filepath.Join(usual, "go") + "), which fetches Go 1.26.8 from the Go module proxy the first time\nbuilding Paywatch, about 3 minutes the first time…\nbuilt ./paywatch-test in "
	if !strings.HasPrefix(string(out), want) {
		t.Errorf("said:\n%s\nwant it to start:\n%s", out, want)
	}
	if c := m.calls(); c != "go build -ldflags -X main.v=1 -o paywatch-test . GOTOOLCHAIN=auto\n" {
		t.Errorf("go was asked %q", c)
	}
}

// Ubuntu 24.04: no Go, but the distribution's golang-go (1.22) is new enough: it is installed
// with apt, then builds as above.
func TestNoGoAndTheDistributionsIsNewEnough(t *testing.T) {
	m := newMachine(t)
	m.aptOffers("2:1.22~2")
	installed := filepath.Join(m.bin, "go")
	chmod, err := exec.LookPath("chmod")
	if err != nil {
		t.Skip("chmod is missing")
	}
	m.fake("apt-get", fmt.Sprintf("echo \"apt-get $*\" >> %s\nprintf '#!%s/bash\\nif [ \"$1\" = version ]; then echo go version go1.22.2 linux/amd64; exit 0; fi\\necho \"go $* GOTOOLCHAIN=$GOTOOLCHAIN\" >> %s\\n' > %s\n%s +x %s\n",
		m.log, m.bin, m.log, installed, chmod, installed))
	m.fake("sudo", "exec \"$@\"\n")
	code, out := m.run()
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if !strings.HasPrefix(out, "installing the distribution's Go (1.22, package golang-go): Paywatch's Go 1.26.8 comes with it from the Go module proxy\n") {
		t.Errorf("said:\n%s", out)
	}
	if c := m.calls(); c != "apt-get install -y -qq --no-install-recommends golang-go\ngo build -ldflags -X main.v=1 -o paywatch-test . GOTOOLCHAIN=auto\n" {
		t.Errorf("calls %q", c)
	}
}

// TestHeadlessTags: make build-headless gives .ci/gobuild the tag "headless", which reaches go
// build (and the progress line names it); without tags go build gets no -tags at all (above).
func TestHeadlessTags(t *testing.T) {
	m := newMachine(t)
	m.fakeGo(m.bin, "1.26.8")
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	cmd := exec.Command("/usr/bin/env", "bash", filepath.Join(root, ".ci", "gobuild"), "go", "-X main.v=1", "paywatch-headless", "headless")
	cmd.Env = []string{"PATH=" + m.bin, "HOME=" + m.home, "GOPATH=" + t.TempDir(), "GOMODCACHE=" + t.TempDir(), "GOCACHE=" + t.TempDir(),
		"PAYWATCH_GO_SEARCH=" + filepath.Join(m.home, "nothing-here", "go")}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if want := "building Paywatch (headless), about a minute the first time…\nbuilt ./paywatch-headless in "; !strings.HasPrefix(string(out), want) {
		t.Errorf("said:\n%s\nwant it to start:\n%s", out, want)
	}
	if c := m.calls(); c != "go build -tags headless -ldflags -X main.v=1 -o paywatch-headless . GOTOOLCHAIN=auto\n" {
		t.Errorf("go was asked %q", c)
	}
}
