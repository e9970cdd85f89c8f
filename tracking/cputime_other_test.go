//go:build !unix

package tracking_test

import "time"

var processStart = time.Now()

// cpuTime falls back to the wall time where rusage is not available.
func cpuTime() time.Duration { return time.Since(processStart) }
