// Command paywatch watches the status of card and payment services from the system tray.
//
//	paywatch                     the tray app (built-in watchlist, or your settings file)
//	paywatch --demo              the tray app against a simulated status server on 127.0.0.1
//	paywatch status [--json]     check every service once and print the result
//	paywatch config path|check   where the settings file is; validate one
package main

import (
	"os"

	"github.com/paywatch/paywatch/internal/cli"
	_ "github.com/paywatch/paywatch/internal/fynelocale" // before Fyne's lang package: see its doc
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr))
}
