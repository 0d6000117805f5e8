// Package notify shows desktop notifications (through beeep) and tells whether there is a
// session bus to show them on. It has no Fyne in it: the tray app and the headless build
// (`go build -tags headless`) both use it.
package notify

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/gen2brain/beeep"

	"github.com/paywatch/paywatch/assets"
	"github.com/paywatch/paywatch/internal/atomicfile"
	"github.com/paywatch/paywatch/monitor"
)

// Notifier shows a desktop notification.
type Notifier interface {
	Notify(n monitor.Notification) error
}

// Beeep sends notifications through github.com/gen2brain/beeep with Paywatch's name and a stable
// icon file on disk (Windows keeps the first icon path it is given for good).
type Beeep struct {
	iconDir string
}

// NewBeeep sets beeep's app name once and writes the state icons to iconDir.
func NewBeeep(appName, iconDir string) (*Beeep, error) {
	beeep.AppName = appName
	if err := os.MkdirAll(iconDir, 0o755); err != nil {
		return nil, err
	}
	for _, st := range assets.States() {
		b, err := assets.TrayIcon(st, 64)
		if err != nil {
			return nil, err
		}
		p := filepath.Join(iconDir, st+".png")
		if old, err := os.ReadFile(p); err == nil && string(old) == string(b) {
			continue
		}
		if err := atomicfile.Write(p, b, 0o644); err != nil {
			return nil, err
		}
	}
	return &Beeep{iconDir: iconDir}, nil
}

// Notify shows n with the icon of its state.
func (b *Beeep) Notify(n monitor.Notification) error {
	return beeep.Notify(n.Title, DesktopBody(runtime.GOOS, n.Body), filepath.Join(b.iconDir, n.State.String()+".png"))
}

// DesktopBody is a notification's final body as the desktop's notification server reads it.
// Where notifications go over D-Bus (Linux, the BSDs), servers that render body markup (most of
// them) read a subset of HTML: "&", "<" and ">" are escaped in the whole body, once, so that no
// link or tag can be assembled from parts of it (an incident's title and its update). The
// summary (the title) is plain text by the specification. Elsewhere the body is plain text.
func DesktopBody(goos, body string) string {
	switch goos {
	case "darwin", "windows", "ios", "android", "js", "wasip1", "plan9":
		return body
	}
	return dbusMarkup.Replace(body)
}

var dbusMarkup = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Deliver sends notifications from a queue in their own goroutine, so a slow notification
// daemon never holds up the tray. It returns when ctx ends or the queue is closed.
func Deliver(ctx context.Context, n Notifier, queue <-chan monitor.Notification, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case note, ok := <-queue:
			if !ok {
				return
			}
			if err := n.Notify(note); err != nil {
				log.Warn("notification failed", "service", note.ServiceID, "err", err)
			}
		}
	}
}
