//go:build unix

package tracking_test

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time the test process has used (user and
// system, all threads): unlike the wall clock, it does not grow when other
// processes load the machine, so a bound on it tells quadratic work from
// a busy host.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
