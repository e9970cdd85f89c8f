//go:build race

package packing

// pkRace reports a build with the race detector, which makes the search
// several times slower: the long generated tests run fewer cases under it
// (the packer is single-threaded; the race detector has little to find).
const pkRace = true
