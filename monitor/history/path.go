package history

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// FileName is the database's name inside the state folder.
const FileName = "history.db"

// DefaultPath returns where the history is kept:
//   - Linux and BSD: $XDG_STATE_HOME/paywatch/history.db, or ~/.local/state/paywatch/history.db
//     when XDG_STATE_HOME is unset or not absolute (the XDG rule);
//   - macOS: ~/Library/Application Support/Paywatch/history.db;
//   - Windows: %LOCALAPPDATA%\Paywatch\history.db.
func DefaultPath() (string, error) {
	return defaultPath(runtime.GOOS, os.Getenv, os.UserHomeDir)
}

func defaultPath(goos string, getenv func(string) string, home func() (string, error)) (string, error) {
	switch goos {
	case "windows":
		if d := getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "Paywatch", FileName), nil
		}
		h, err := home()
		if err != nil {
			return "", fmt.Errorf("history: LOCALAPPDATA is not set and there is no home folder: %w", err)
		}
		return filepath.Join(h, "AppData", "Local", "Paywatch", FileName), nil
	case "darwin", "ios":
		h, err := home()
		if err != nil {
			return "", fmt.Errorf("history: find home folder: %w", err)
		}
		return filepath.Join(h, "Library", "Application Support", "Paywatch", FileName), nil
	}
	if d := getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "paywatch", FileName), nil
	}
	h, err := home()
	if err != nil {
		return "", fmt.Errorf("history: find home folder: %w", err)
	}
	return filepath.Join(h, ".local", "state", "paywatch", FileName), nil
}
