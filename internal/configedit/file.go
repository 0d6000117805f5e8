// Package configedit changes Paywatch's settings file the way a careful person would by hand:
// it edits the YAML node tree and writes back only the lines of what changed, so comments,
// blank lines, order and settings the settings window does not manage stay as they were. Every
// edit is checked with the same code as `paywatch config check` before it is written, and
// written atomically. A file changed by hand since it was read is read again first, and the
// edit is made to what is on disk now.
package configedit

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/paywatch/paywatch/internal/atomicfile"
	"github.com/paywatch/paywatch/monitor"
)

// Check validates a whole settings document, as `paywatch config check` does; it returns every
// problem, joined.
type Check func(doc []byte) error

// File is one settings file being edited. Its methods are safe for concurrent use.
type File struct {
	path  string
	check Check

	mu     sync.Mutex
	data   []byte // as last read or written
	exists bool
}

// Header starts a settings file Paywatch writes itself.
const Header = "# Paywatch settings: change them here or in Settings… in the tray menu.\n# Check them with: paywatch config check\n"

// Open reads the settings file at path; a missing file is fine (it is written on the first
// edit, starting from the built-in watchlist). check may be nil in tests of the text alone.
func Open(path string, check Check) (*File, error) {
	f := &File{path: path, check: check}
	if _, err := f.reload(); err != nil {
		return nil, err
	}
	return f, nil
}

// Path is where the file is.
func (f *File) Path() string { return f.path }

// Exists reports whether the file existed when last read or written.
func (f *File) Exists() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.exists
}

// Data is the file's content as last read or written.
func (f *File) Data() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return bytes.Clone(f.data)
}

// Reload reads the file again and reports whether it changed since it was last read or written.
func (f *File) Reload() (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reload()
}

func (f *File) reload() (bool, error) {
	b, err := os.ReadFile(f.path)
	exists := true
	if errors.Is(err, fs.ErrNotExist) {
		b, exists, err = nil, false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read the settings file: %w", err)
	}
	changed := exists != f.exists || !bytes.Equal(b, f.data)
	f.data, f.exists = b, exists
	return changed, nil
}

// Config is the settings as they are now: the file's, or the built-in ones without a file.
// A file with problems returns them.
func (f *File) Config() (*monitor.Config, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.exists {
		return monitor.DefaultConfig(), nil
	}
	return monitor.ParseConfig(f.data)
}

// Invalid is an edit refused because the settings it would make have problems. Each problem
// names its setting ("alerts.reminders: 10m is too often; the minimum is 30m0s").
type Invalid struct{ Problems []string }

func (e *Invalid) Error() string {
	return "the change was not saved: " + strings.Join(e.Problems, "; ")
}

// About returns the problems about a setting (its path, such as "alerts.quiet_hours" or
// "services[2]"), or every problem for "".
func (e *Invalid) About(setting string) []string {
	var out []string
	for _, p := range e.Problems {
		if setting == "" || strings.Contains(p, setting) {
			out = append(out, p)
		}
	}
	return out
}

// Edit changes a settings document: root is its top-level mapping.
type Edit func(root *yaml.Node) error

// Result says what an Apply did.
type Result struct {
	// Reloaded is true when the file had been changed on disk since it was last read: the edit
	// was made to the file as it is now.
	Reloaded bool
}

// Apply reads the file again when it changed on disk, makes the edits to it, checks the result
// and writes it atomically. Settings with problems are not written: the error is an *Invalid.
func (f *File) Apply(edits ...Edit) (Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var res Result
	changed, err := f.reload()
	if err != nil {
		return res, err
	}
	res.Reloaded = changed
	src := f.data
	if !f.exists {
		if src, err = defaultDocument(); err != nil {
			return res, err
		}
	}
	out, err := edit(src, edits...)
	if err != nil {
		return res, err
	}
	if f.check != nil {
		if err := f.check(out); err != nil {
			return res, invalid(err)
		}
	}
	if err := atomicfile.Write(f.path, out, 0o600); err != nil {
		return res, fmt.Errorf("save the settings file: %w", err)
	}
	f.data, f.exists = out, true
	return res, nil
}

func invalid(err error) *Invalid {
	var out []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return &Invalid{Problems: out}
}

// edit applies edits to a document's text, changing only the lines of what changed.
func edit(src []byte, edits ...Edit) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("the settings file is not valid YAML, so it cannot be changed here: %v", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("the settings file does not hold settings (name: value lines), so it cannot be changed here")
	}
	edited := clone(&doc)
	for _, e := range edits {
		if err := e(edited.Content[0]); err != nil {
			return nil, err
		}
	}
	return patch(src, &doc, edited)
}

// defaultDocument is the built-in watchlist as a settings file.
func defaultDocument() ([]byte, error) {
	var b strings.Builder
	b.WriteString(Header)
	b.WriteString("services:\n")
	for _, s := range monitor.DefaultConfig().Services {
		fmt.Fprintf(&b, "  - catalog: %s\n", s.Catalog)
	}
	return []byte(b.String()), nil
}

// Create writes a new settings file with the given services (catalog entries or pages), checked
// like every edit; it refuses to replace a file that exists.
func Create(path string, check Check, services []monitor.ServiceConfig) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("a settings file already exists at %s", path)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(Header+"services: []\n"), &doc); err != nil {
		return err
	}
	seq := mapGet(doc.Content[0], "services")
	seq.Style = 0
	for _, s := range services {
		seq.Content = append(seq.Content, serviceNode(s))
	}
	out, err := encode(&doc)
	if err != nil {
		return err
	}
	if check != nil {
		if err := check(out); err != nil {
			return invalid(err)
		}
	}
	if err := atomicfile.Write(path, out, 0o600); err != nil {
		return fmt.Errorf("save the settings file: %w", err)
	}
	return nil
}
