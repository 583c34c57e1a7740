package persist_test

import "runtime"

var runtimeProcs = runtime.GOMAXPROCS(0)
