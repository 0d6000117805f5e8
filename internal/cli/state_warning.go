package cli

import (
	"github.com/paywatch/paywatch/monitor"
)

// stateWarning is the line `paywatch status` adds when the running app could not save what it
// has told (neither the alert state's place nor its second place can be written): after a
// restart it would notify again. "" when the state can be saved.
func stateWarning(path string) string {
	if path == "" {
		return ""
	}
	err := monitor.CheckStateWritable(path, alertStateFallback(path))
	if err == nil {
		return ""
	}
	return "Warning: Paywatch cannot save what it has told you (" + monitor.SaveProblem(err) + ", " + path + "): after a restart it may notify again."
}
