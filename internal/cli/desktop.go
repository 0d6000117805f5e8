//go:build !headless

package cli

import (
	"time"

	"github.com/paywatch/paywatch/app"
	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/history"
)

// hasDesktop: this build has the tray app, its windows and the demo. The headless build
// (-tags headless, desktop_headless.go) has none of them and links no Fyne or OpenGL.
const hasDesktop = true

// trayHistory gives the status window the history's daily bars and its *Export evidence…*
// button; with no history open (the demo, or a file that could not be opened) there is neither.
func trayHistory(st *history.Store, cfg *monitor.Config) (app.History, app.ExportFunc) {
	if st == nil {
		return nil, nil
	}
	var business *monitor.TimeWindow
	if cfg != nil {
		business = cfg.Alerts.BusinessHours
	}
	return st, evidenceExport(st, business, time.Local)
}
