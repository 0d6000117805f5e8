package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/paywatch/paywatch/monitor"
)

func cmdCatalog(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("paywatch catalog", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	words, err := parseInterspersed(fs, args)
	if err != nil {
		return 64
	}
	entries := mustCatalog().Search(strings.Join(words, " "))
	if *asJSON {
		type entryJSON struct {
			monitor.CatalogEntry
			Watched string `json:"watched"`
		}
		out := []entryJSON{}
		for _, e := range entries {
			out = append(out, entryJSON{e, e.Watched()})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(stderr, "paywatch: %v\n", err)
			return 1
		}
		return 0
	}
	if len(entries) == 0 {
		fmt.Fprintf(stdout, "Nothing in the catalog matches %q. Add it yourself with url: (its status page) or probe: (its website).\n", strings.Join(words, " "))
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tCATEGORY\tWATCHED THROUGH")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.ID, e.Name, e.Category, e.Watched())
	}
	tw.Flush()
	fmt.Fprintln(stdout, "\nTo watch one, add it to your settings file:  services: [{catalog: ID}]")
	var parts []monitor.CatalogEntry
	for _, e := range entries {
		if len(e.Components) > 0 {
			parts = append(parts, e)
		}
	}
	if len(parts) > 0 {
		fmt.Fprintf(stdout, "To hear only about some parts of a service:  services: [{catalog: %s, components: {include: [%s]}}]\n", parts[0].ID, parts[0].Components[0])
		tw = tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		for _, e := range parts {
			fmt.Fprintf(tw, "  %s\t%s\n", e.ID, strings.Join(e.Components, ", "))
		}
		tw.Flush()
	}
	return 0
}

// parseInterspersed parses flags anywhere among the arguments ("catalog bank --json") and
// returns the other arguments in order.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var words []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return words, nil
		}
		words = append(words, args[0])
		args = args[1:]
	}
}
