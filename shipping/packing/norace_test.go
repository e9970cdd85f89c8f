//go:build !race

package packing

// pkRace reports a build with the race detector (see race_test.go).
const pkRace = false
