package inventory_test

import (
	"strconv"
	"sync/atomic"
)

var keySeq atomic.Int64

// nk returns a fresh idempotency key for a commit or release.
func nk() string { return "k" + strconv.FormatInt(keySeq.Add(1), 10) }
