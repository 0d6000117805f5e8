package history

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// crashWriterEnv makes the test binary a writer that records as fast as a busy Paywatch would,
// printing what it recorded and what it knows was written, until it is killed.
const crashWriterEnv = "PAYWATCH_HISTORY_CRASH_WRITER"

func TestMain(m *testing.M) {
	if path := os.Getenv(crashWriterEnv); path != "" {
		crashWriter(path)
		return
	}
	os.Exit(m.Run())
}

var updatePrefix = strings.Repeat("update text ", 30)

func crashWriter(path string) {
	first, _ := strconv.Atoi(os.Getenv(crashWriterEnv + "_FIRST"))
	s, _, err := Open(path, Options{Heartbeat: time.Second})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	go func() { _ = s.Run(context.Background()) }()
	out := bufio.NewWriter(os.Stdout)
	svcs := make([]monitor.ServiceStatus, 20)
	for i := range svcs {
		svcs[i] = monitor.ServiceStatus{ID: "svc" + strconv.Itoa(i), Name: "Service " + strconv.Itoa(i), State: monitor.StateOperational,
			Sources: []monitor.SourceStatus{page(monitor.StateOperational, "")}}
	}
	for seq := first; ; seq++ {
		now := time.Now()
		sv := &svcs[seq%len(svcs)]
		sv.State = []monitor.State{monitor.StateDegraded, monitor.StateOperational}[seq/len(svcs)%2]
		sv.Since, sv.Reason = now, "seq "+strconv.Itoa(seq)
		sv.Incidents = []monitor.Incident{{ID: "inc", Title: "Something", Status: "investigating", LatestUpdate: updatePrefix + strconv.Itoa(seq)}}
		snap := monitor.Snapshot{At: now, Services: make([]monitor.ServiceStatus, len(svcs))}
		copy(snap.Services, svcs)
		s.Record(monitor.Update{Snapshot: snap})
		fmt.Fprintf(out, "recorded %d\n", seq)
		if seq%10 == 0 {
			if err := s.Flush(context.Background()); err == nil {
				fmt.Fprintf(out, "committed %d\n", seq)
			}
		}
		out.Flush()
		time.Sleep(2 * time.Millisecond) // a busy Paywatch's pace, not a wait for anything
	}
}

// A kill -9 in the middle of writing never damages the file and loses at most the last
// second: everything the writer had reported written is there.
func TestKill9DuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("runs subprocesses")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "history.db")
	next := 0
	for round := range 4 {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), crashWriterEnv+"="+path, crashWriterEnv+"_FIRST="+strconv.Itoa(next))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		recorded := map[int]time.Time{}
		committed, last := -1, -1
		var killedAt time.Time
		killAfter := 150 + rand.IntN(500) // records
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) != 2 {
				t.Fatalf("writer said %q", sc.Text())
			}
			n, _ := strconv.Atoi(f[1])
			switch f[0] {
			case "recorded":
				recorded[n], last = time.Now(), n
			case "committed":
				committed = n
			}
			if last-next >= killAfter && killedAt.IsZero() {
				killedAt = time.Now()
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
			}
		}
		_ = cmd.Wait()
		if killedAt.IsZero() {
			t.Fatalf("round %d: the writer stopped by itself after %d records", round, last-next)
		}

		s, n, err := Open(path, Options{Heartbeat: time.Second})
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		if !n.IsZero() {
			t.Fatalf("round %d: the database was unusable after kill -9: %s", round, n)
		}
		var res string
		must(s.w.QueryRow("PRAGMA integrity_check").Scan(&res))
		if res != "ok" {
			t.Fatalf("round %d: integrity_check = %q", round, res)
		}
		// Each record carries a new text, numbered: every one up to the last written is there.
		var count, maxSeq int
		must(s.w.QueryRow(`SELECT count(*), coalesce(max(seq), -1) FROM (SELECT CAST(substr(text, ?) AS INTEGER) AS seq FROM incident_updates) WHERE seq >= ?`,
			len(updatePrefix)+1, next).Scan(&count, &maxSeq))
		if maxSeq < committed {
			t.Fatalf("round %d: the last text written is seq %d, but the writer had reported seq %d written", round, maxSeq, committed)
		}
		if count != maxSeq-next+1 {
			t.Errorf("round %d: %d texts from seq %d to %d, want %d", round, count, next, maxSeq, maxSeq-next+1)
		}
		lost := 0 * time.Second
		if maxSeq < last {
			lost = killedAt.Sub(recorded[maxSeq+1])
		}
		t.Logf("round %d: killed after seq %d; seq %d reported written, seq %d found; %d records lost, recorded in the last %s before the kill",
			round, last, committed, maxSeq, last-maxSeq, lost.Round(time.Microsecond))
		if lost > time.Second {
			t.Errorf("round %d: lost the records of the last %s, more than a second", round, lost)
		}
		must(s.Close())
		next = last + 1
	}
}
