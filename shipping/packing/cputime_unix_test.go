//go:build unix

package packing

import "syscall"

// pkCPUTime returns the CPU time the process has used, in ns, so that
// benchmarks can report it beside the wall time: on a machine shared with
// other work the wall time of a benchmark grows with the load, its CPU time
// much less.
func pkCPUTime() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
