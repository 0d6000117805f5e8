// Command floor is the floor `make bench-engine` compares Paywatch with: nothing but net/http
// and encoding/json decoding each Statuspage summary into a struct, one goroutine per page on a
// ticker. It does no conditional requests, keeps no state and tells nobody anything: what a
// status poller costs when it does nothing but poll.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

type component struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Status     string   `json:"status"`
	GroupID    *string  `json:"group_id"`
	Group      bool     `json:"group"`
	Components []string `json:"components"`
	Position   int      `json:"position"`
}

type incident struct {
	ID              string      `json:"id"`
	Name            string      `json:"name"`
	Status          string      `json:"status"`
	Impact          string      `json:"impact"`
	Shortlink       string      `json:"shortlink"`
	CreatedAt       time.Time   `json:"created_at"`
	UpdatedAt       *time.Time  `json:"updated_at"`
	Components      []component `json:"components"`
	IncidentUpdates []struct {
		Status    string    `json:"status"`
		Body      string    `json:"body"`
		CreatedAt time.Time `json:"created_at"`
	} `json:"incident_updates"`
}

type summary struct {
	Page struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		URL  string `json:"url"`
	} `json:"page"`
	Status struct {
		Indicator   string `json:"indicator"`
		Description string `json:"description"`
	} `json:"status"`
	Components            []component `json:"components"`
	Incidents             []incident  `json:"incidents"`
	ScheduledMaintenances []incident  `json:"scheduled_maintenances"`
}

func main() {
	base := flag.String("base", "", "the benchmark server (http://127.0.0.1:PORT)")
	n := flag.Int("n", 100, "pages to poll")
	interval := flag.Duration("interval", 10*time.Second, "time between polls of a page")
	flag.Parse()
	if *base == "" || *n <= 0 || *interval <= 0 {
		fmt.Fprintln(os.Stderr, "floor: -base, -n and -interval are required")
		os.Exit(64)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	client := &http.Client{Timeout: 10 * time.Second}
	var wg sync.WaitGroup
	for i := range *n {
		url := fmt.Sprintf("%s/p/%d/api/v2/summary.json", *base, i)
		first := *interval * time.Duration(i) / time.Duration(*n)
		wg.Go(func() { poll(ctx, client, url, first, *interval) })
	}
	wg.Wait()
}

func poll(ctx context.Context, client *http.Client, url string, first, interval time.Duration) {
	select {
	case <-ctx.Done():
		return
	case <-time.After(first):
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		check(ctx, client, url)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func check(ctx context.Context, client *http.Client, url string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return
	}
	resp, err := client.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	var s summary
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		fmt.Fprintf(os.Stderr, "floor: %s: %v\n", url, err)
	}
	io.Copy(io.Discard, resp.Body) // the rest, so the connection is reused
}
