//go:build race

package returns_test

// raceEnabled shrinks the model test under the race detector, which slows
// it about tenfold.
const raceEnabled = true
