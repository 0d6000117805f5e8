package cli

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// startProfiles starts a CPU profile into cpu and arranges for an allocation profile into mem
// (either may be ""), for `paywatch run --headless --cpuprofile FILE --memprofile FILE`, the
// options `make bench-engine` profiles the real process with. stop writes them out.
func startProfiles(cpu, mem string) (stop func(), err error) {
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
	}, nil
}
