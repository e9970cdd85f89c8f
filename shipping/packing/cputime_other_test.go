//go:build !unix

package packing

// pkCPUTime is not measured off Unix: benchmarks report 0 for it.
func pkCPUTime() int64 { return 0 }
