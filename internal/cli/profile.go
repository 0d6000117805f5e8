package cli

import (
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
)

// memProfileRate is the allocation sampling rate the process started with (the runtime's
// default, or GODEBUG=memprofilerate=N), for a memory profile.
var memProfileRate = runtime.MemProfileRate

// startProfiles starts a CPU profile into cpu and arranges for an allocation profile into mem
// (either may be ""), for `paywatch run --headless --cpuprofile FILE --memprofile FILE`, the
// options `make bench-engine` profiles the real process with, and the same options of the tray
// app (BenchmarkIdle's PAYWATCH_IDLE_DUMP). stop writes them out.
func startProfiles(cpu, mem string) (stop func(), err error) {
	if mem != "" {
		runtime.MemProfileRate = memProfileRate // Run turns sampling off
	}
	var cf *os.File
	if cpu != "" {
		if cf, err = os.Create(cpu); err != nil {
			return nil, fmt.Errorf("cpu profile: %w", err)
		}
		if err = pprof.StartCPUProfile(cf); err != nil {
			cf.Close()
			return nil, fmt.Errorf("cpu profile: %w", err)
		}
	}
	return func() {
		if cf != nil {
			pprof.StopCPUProfile()
			cf.Close()
		}
		if mem == "" {
			return
		}
		mf, err := os.Create(mem)
		if err != nil {
			fmt.Fprintf(os.Stderr, "paywatch: memory profile: %v\n", err)
			return
		}
		defer mf.Close()
		// No collection first: the profile's in-use figures stay those of the last collection
		// made while the engine ran.
		if err := pprof.Lookup("allocs").WriteTo(mf, 0); err != nil {
			fmt.Fprintf(os.Stderr, "paywatch: memory profile: %v\n", err)
		}
		if err := writeMemMetrics(mem + ".metrics"); err != nil {
			fmt.Fprintf(os.Stderr, "paywatch: memory profile: %v\n", err)
		}
		if err := writeGoroutines(mem + ".goroutines"); err != nil {
			fmt.Fprintf(os.Stderr, "paywatch: memory profile: %v\n", err)
		}
	}, nil
}

// writeMemMetrics writes, next to the memory profile, where the process's Go memory is (heap
// objects, free heap not yet returned, stacks, the runtime's own) and the goroutines, one
// runtime/metrics figure a line: what the profile's sampled heap does not show.
func writeMemMetrics(path string) error {
	var samples []metrics.Sample
	for _, d := range metrics.All() {
		if d.Kind == metrics.KindUint64 && (strings.HasPrefix(d.Name, "/memory/classes/") || strings.HasPrefix(d.Name, "/gc/") || strings.HasPrefix(d.Name, "/sched/goroutines")) {
			samples = append(samples, metrics.Sample{Name: d.Name})
		}
	}
	metrics.Read(samples)
	var b strings.Builder
	for _, s := range samples {
		fmt.Fprintf(&b, "%s %d\n", s.Name, s.Value.Uint64())
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

// writeGoroutines writes, next to the memory profile, the goroutines by where they wait: their
// stacks are memory the heap profile does not show.
func writeGoroutines(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("goroutines: %w", err)
	}
	defer f.Close()
	if err := pprof.Lookup("goroutine").WriteTo(f, 1); err != nil {
		return fmt.Errorf("goroutines: %w", err)
	}
	return nil
}
