package autostart

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
)

// programPath is the path to start. On macOS a symlink (say
// /usr/local/bin/paywatch) is followed, and an .app bundle is replaced by
// the binary inside it, because launchd runs binaries, not bundles.
func programPath(exe string) string {
	if exe == "" {
		return exe
	}
	exe = filepath.Clean(exe)
	if runtime.GOOS != "darwin" {
		return exe
	}
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		exe = real
	}
	return bundleExecutable(exe)
}

var bundleExecutableKey = regexp.MustCompile(`<key>CFBundleExecutable</key>\s*<string>([^<]+)</string>`)

// bundleExecutable returns the binary of the bundle at path when path is an
// .app folder (CFBundleExecutable from Contents/Info.plist, else the
// bundle's own name), and path unchanged otherwise, including a binary
// already inside Contents/MacOS.
func bundleExecutable(path string) string {
	if !strings.HasSuffix(path, ".app") {
		return path
	}
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		return path
	}
	name := strings.TrimSuffix(filepath.Base(path), ".app")
	if info, err := os.ReadFile(filepath.Join(path, "Contents", "Info.plist")); err == nil {
		if m := bundleExecutableKey.FindSubmatch(info); m != nil {
			name = strings.TrimSpace(string(m[1]))
		}
	}
	return filepath.Join(path, "Contents", "MacOS", name)
}
