package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/paywatch/paywatch/internal/atomicfile"
	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/history"
)

// reportWriters write an evidence report in the format a file's extension names.
var reportWriters = map[string]func(io.Writer, history.Report) error{
	".html": history.WriteHTML, ".htm": history.WriteHTML, ".csv": history.WriteCSV, ".json": history.WriteJSON,
}

// evidenceExport writes the evidence report of [from, to) for the services (none: every one)
// to a file, as HTML, CSV or JSON by its extension, in loc's time, each incident's part inside
// the business hours given.
func evidenceExport(st *history.Store, business *monitor.TimeWindow, loc *time.Location) func(from, to time.Time, services []string, path string) error {
	return func(from, to time.Time, services []string, path string) error {
		write := reportWriters[strings.ToLower(filepath.Ext(path))]
		if write == nil {
			return fmt.Errorf("export evidence: %q must end in .html, .csv or .json", filepath.Base(path))
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		r, err := st.Report(ctx, history.ReportQuery{From: from, To: to, Services: services, Location: loc, BusinessHours: business})
		if err != nil {
			return fmt.Errorf("export evidence: %w", err)
		}
		var b bytes.Buffer
		if err := write(&b, r); err != nil {
			return fmt.Errorf("export evidence: %w", err)
		}
		if err := atomicfile.Write(path, b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("export evidence: %w", err)
		}
		return nil
	}
}
