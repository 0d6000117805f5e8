// Command fakeapp stands in for the Paywatch tray in autostart's tests: it takes the instance
// lock, as the tray does, unless FAKEAPP_NO_LOCK is set (another user's or another session's
// Paywatch, whose lock is elsewhere), then waits to be told to quit.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/paywatch/paywatch/app/instance"
)

func main() {
	if os.Getenv("FAKEAPP_NO_LOCK") == "" {
		dir, err := instance.Dir()
		if err == nil {
			_, err = instance.Acquire(dir, instance.Name("", ""))
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	time.Sleep(5 * time.Minute)
}
