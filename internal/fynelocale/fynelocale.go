// Package fynelocale keeps Fyne from printing "Fyne error: Error parsing user locale C" (three
// lines on stderr, from its lang package's init and again when a window opens) on machines
// whose locale is the plain C or POSIX one, as on many servers and minimal installs: Fyne reads
// "C" as a language tag, fails, and falls back to English anyway.
//
// Import it for its side effect, from package main. Go initialises packages in dependency order
// and then by import path, so this package (which needs only log and os) is initialised before
// net/http and therefore before fyne.io/fyne/v2 and its lang package.
package fynelocale

import (
	"bytes"
	"io"
	"log"
	"os"
	"strings"
	"sync"
)

func init() {
	if IsPlain(os.Getenv) {
		log.SetOutput(&Filter{W: os.Stderr})
	}
}

// IsPlain reports whether the locale the environment selects (LC_ALL, then LC_MESSAGES, then
// LANG, as Fyne's locale library reads them) is the C or POSIX locale.
func IsPlain(getenv func(string) string) bool {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			lang, _, _ := strings.Cut(v, ".")
			return lang == "C" || lang == "POSIX"
		}
	}
	return false
}

// Filter passes log output through to W, except Fyne's report that it could not parse the
// user's locale: that line and the "Cause:" and "At:" lines after it.
type Filter struct {
	W    io.Writer
	mu   sync.Mutex
	skip int
}

func (f *Filter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case bytes.Contains(p, []byte("Fyne error:  Error parsing user locale")):
		f.skip = 2
		return len(p), nil
	case f.skip > 0 && (bytes.Contains(p, []byte("  Cause: ")) || bytes.Contains(p, []byte("  At: "))):
		f.skip--
		return len(p), nil
	}
	f.skip = 0
	return f.W.Write(p)
}
