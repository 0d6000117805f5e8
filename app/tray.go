// Package app is Paywatch's desktop: the tray icon and menu, the status window, desktop
// notifications and start at login. Only the Fyne goroutine touches Fyne: one goroutine receives
// monitor Updates and applies each through fyne.Do, re-rendering from the latest snapshot.
package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/systray"
)

// Tray is the little the desktop needs from a system tray, so it can be tested without one.
type Tray interface {
	SetIcon(fyne.Resource)
	SetMenu(*fyne.Menu)
	SetTooltip(string)
}

// FyneTray is the real tray of a Fyne desktop app.
type FyneTray struct{ desk desktop.App }

// NewFyneTray returns the tray of a, or false when a is not a desktop app (tests, mobile).
func NewFyneTray(a fyne.App) (*FyneTray, bool) {
	d, ok := a.(desktop.App)
	if !ok {
		return nil, false
	}
	return &FyneTray{desk: d}, true
}

// SetIcon shows a (non-themed, PNG) icon, so its colours are kept on every OS.
func (t *FyneTray) SetIcon(r fyne.Resource) { t.desk.SetSystemTrayIcon(r) }

// SetMenu replaces the tray menu.
func (t *FyneTray) SetMenu(m *fyne.Menu) { t.desk.SetSystemTrayMenu(m) }

// SetTooltip sets the hover text. Fyne has no API for it; it shares fyne.io/systray's instance.
func (t *FyneTray) SetTooltip(s string) { systray.SetTooltip(s) }
