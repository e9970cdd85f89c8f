//go:build !race

package returns_test

const raceEnabled = false
