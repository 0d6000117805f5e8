package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/paywatch/paywatch/internal/atomicfile"
	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/channels"
	"github.com/paywatch/paywatch/monitor/platforms"
)

func cmdConfig(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "paywatch config: say path or check (e.g. paywatch config check FILE)")
		return 64
	}
	if most := map[string]int{"path": 1, "check": 2}[args[0]]; most > 0 && len(args) > most {
		fmt.Fprintf(stderr, "paywatch config %s: unexpected %q\n", args[0], args[most])
		return 64
	}
	switch args[0] {
	case "path":
		p, err := monitor.ConfigPath()
		if err != nil {
			fmt.Fprintf(stderr, "paywatch: %v\n", err)
			return 1
		}
		fmt.Fprintln(stdout, p)
		return 0
	case "check":
		path := ""
		if len(args) > 1 {
			path = args[1]
		} else {
			p, err := monitor.ConfigPath()
			if err != nil {
				fmt.Fprintf(stderr, "paywatch: %v\n", err)
				return 1
			}
			path = p
		}
		c, err := monitor.LoadConfigKnown(path, knownNames())
		if isNotExist(err) {
			fmt.Fprintf(stderr, "paywatch: there is no settings file at %s (Paywatch uses its built-in list without one)\n", path)
			return 1
		}
		if err == nil {
			// Everything Resolve could find wrong was checked above, with the rest.
			_, err = monitor.Resolve(c, mustCatalog(), checkOnlyBuilders())
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s has problems:\n", path)
			for _, line := range strings.Split(unwrapConfigError(err, path), "\n") {
				fmt.Fprintf(stderr, "  - %s\n", line)
			}
			return 1
		}
		fmt.Fprintf(stdout, "%s is valid: %d services.\n", path, len(c.Services))
		return 0
	}
	fmt.Fprintf(stderr, "paywatch config: unknown command %q (say path or check)\n", args[0])
	return 64
}

// knownNames are the platforms, catalog ids and channel addresses Paywatch knows, so that
// `config check` reports an unknown one next to every other problem.
func knownNames() monitor.Known {
	var ids []string
	for _, e := range mustCatalog().Entries {
		ids = append(ids, e.ID)
	}
	return monitor.Known{Platforms: platforms.Names(), Catalog: ids, Channel: channels.CheckAddress}
}

func unwrapConfigError(err error, path string) string {
	return strings.TrimPrefix(err.Error(), path+": ")
}

// loadConfigForTray reads the settings file. A missing file means the built-in watchlist. An
// invalid file never replaces the last good one: the last good copy is used and the menu says so.
func loadConfigForTray(path string, log *slog.Logger) (*monitor.Config, string) {
	explicit := path != ""
	if !explicit {
		p, err := monitor.ConfigPath()
		if err != nil {
			return monitor.DefaultConfig(), ""
		}
		path = p
	}
	good := lastGoodPath(path)
	c, err := monitor.LoadConfig(path)
	switch {
	case err == nil:
		if b, rerr := os.ReadFile(path); rerr == nil {
			if werr := atomicfile.Write(good, b, 0o600); werr != nil {
				log.Warn("could not keep a copy of the settings", "err", werr)
			}
		}
		return c, ""
	case errors.Is(err, fs.ErrNotExist) && !explicit:
		return monitor.DefaultConfig(), ""
	}
	log.Error("settings file has problems", "path", path, "err", err)
	if lc, lerr := monitor.LoadConfig(good); lerr == nil {
		return lc, "Your settings file has a problem; using your last good settings (run: paywatch config check)"
	}
	return monitor.DefaultConfig(), "Your settings file has a problem; using the built-in list (run: paywatch config check)"
}

func lastGoodPath(configPath string) string {
	d, err := os.UserCacheDir()
	if err != nil {
		d = os.TempDir()
	}
	sum := monitor.Slug(configPath)
	return filepath.Join(d, "paywatch", "last-good-"+sum+".yaml")
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
