package cli

import (
	"os"
	"strings"
	"testing"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/channels"
)

// TestReadmeConfigExample keeps the README's settings example valid: it is what people copy.
func TestReadmeConfigExample(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "```yaml\n")
	if !ok {
		t.Fatal("README has no yaml example")
	}
	example, _, _ := strings.Cut(rest, "```")
	cfg, err := monitor.ParseConfig([]byte(example))
	if err != nil {
		t.Fatalf("README example does not load:\n%v", err)
	}
	if _, err := monitor.Resolve(cfg, mustCatalog(), checkOnlyBuilders()); err != nil {
		t.Fatalf("README example does not resolve: %v", err)
	}
	if err := channels.Validate(cfg.Channels); err != nil {
		t.Fatalf("README example's channels: %v", err)
	}
	if len(cfg.Services) < 4 || len(cfg.Channels) != 1 || cfg.Alerts.QuietHours == nil {
		t.Errorf("README example lost parts: %d services, %d channels", len(cfg.Services), len(cfg.Channels))
	}
}
