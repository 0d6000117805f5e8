package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// histRow is one measured configuration of the history comparison: Paywatch recording its
// history (on) and not recording it (off), window by window.
type histRow struct {
	n       int
	mode    string
	load    string
	on, off []usage
	dbBytes int64 // the history file with its WAL at the end
}

// runHistory measures, for each mode and N, Paywatch with its history on and off.
func runHistory(tmp, paywatch string, counts []int, modes string, interval, warmup, window time.Duration, windows int, profDir string) {
	fmt.Printf("History on and off: both run at once, each against its own copy of the pages, measured over the same %d windows of %s.\n\n", windows, window)
	var rows []histRow
	for _, mode := range pageModes(modes) {
		for _, n := range counts {
			r, err := measureHistory(tmp, paywatch, n, mode, interval, warmup, window, windows, profDir)
			if err != nil {
				fatal(err)
			}
			r.print()
			rows = append(rows, r)
		}
	}
	fmt.Println()
	fmt.Println("| pages | mode | history on: checks/CPU-s | history off: checks/CPU-s | extra CPU for the history (all windows; per window) | history file |")
	fmt.Println("|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Printf("| %d | %s | %.0f | %.0f | %+.1f %% (%s) | %.1f MB |\n", r.n, r.mode, sum(r.on).perCPUSecond(), sum(r.off).perCPUSecond(),
			extra(sum(r.on), sum(r.off)), r.perWindow(), float64(r.dbBytes)/(1<<20))
	}
	fmt.Printf("\nload average at the end: %s\n", loadAvg())
}

// extra is the history's extra CPU per check in percent: CPU per check with it over without it.
func extra(on, off usage) float64 {
	if on.perCPUSecond() == 0 {
		return 0
	}
	return (off.perCPUSecond()/on.perCPUSecond() - 1) * 100
}

func sum(us []usage) usage {
	var t usage
	for _, u := range us {
		t.checks += u.checks
		t.cpu += u.cpu
	}
	return t
}

func (r histRow) perWindow() string {
	var s string
	for i := range r.on {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%+.1f", extra(r.on[i], r.off[i]))
	}
	return s
}

func (r histRow) print() {
	on, off := sum(r.on), sum(r.off)
	fmt.Printf("N=%-5d %-9s  history on %6d checks %6.2f CPU-s %7.0f checks/CPU-s | off %6d checks %6.2f CPU-s %7.0f checks/CPU-s | extra %+.1f %% (windows: %s) | file %.1f MB | load %s\n",
		r.n, r.mode, on.checks, on.cpu.Seconds(), on.perCPUSecond(), off.checks, off.cpu.Seconds(), off.perCPUSecond(),
		extra(on, off), r.perWindow(), float64(r.dbBytes)/(1<<20), r.load)
}

// measureHistory starts two Paywatch processes at once, the same settings but for
// `history: {enabled: false}` in one, each against its own server with the same pages, and
// measures both over the same windows after the warm-up (so both see the same load).
func measureHistory(tmp, paywatch string, n int, mode string, interval, warmup, window time.Duration, windows int, profDir string) (histRow, error) {
	r := histRow{n: n, mode: mode}
	type side struct {
		srv  *server
		proc *proc
		dir  string
	}
	var sides [2]side // 0: history on, 1: off
	for i, name := range []string{"on", "off"} {
		srv, err := newServer(n, mode == "changing")
		if err != nil {
			return r, err
		}
		defer srv.close()
		dir := filepath.Join(tmp, fmt.Sprintf("history-%s-%s-%d", name, mode, n))
		config := configYAML(srv.addr, n, interval)
		if name == "off" {
			config += "history:\n  enabled: false\n"
		}
		args, env, err := setup(dir, config, profDir, fmt.Sprintf("history-%s-%s-%d", name, mode, n))
		if err != nil {
			return r, err
		}
		p, err := startProc(paywatch, args, env, filepath.Join(dir, "paywatch.log"))
		if err != nil {
			return r, err
		}
		defer p.stop()
		sides[i] = side{srv: srv, proc: p, dir: dir}
	}
	time.Sleep(warmup)
	r.load = loadAvg()
	for range windows {
		var cpu0 [2]time.Duration
		var checks0 [2]int64
		for i, s := range sides {
			cpu0[i], checks0[i] = cpuTime(s.proc.cmd.Process.Pid), s.srv.checks.Load()
		}
		time.Sleep(window)
		for i, s := range sides {
			u := usage{checks: s.srv.checks.Load() - checks0[i], cpu: cpuTime(s.proc.cmd.Process.Pid) - cpu0[i]}
			if i == 0 {
				r.on = append(r.on, u)
			} else {
				r.off = append(r.off, u)
			}
		}
	}
	for _, s := range sides {
		if err := s.proc.stop(); err != nil {
			return r, err
		}
	}
	db := filepath.Join(sides[0].dir, "state", "paywatch", "history.db")
	for _, f := range []string{db, db + "-wal"} {
		if fi, err := os.Stat(f); err == nil {
			r.dbBytes += fi.Size()
		}
	}
	if fi, err := os.Stat(filepath.Join(sides[1].dir, "state", "paywatch", "history.db")); err == nil {
		return r, fmt.Errorf("history off, yet %s was written (%d bytes)", fi.Name(), fi.Size())
	}
	return r, nil
}
