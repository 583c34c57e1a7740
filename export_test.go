package instream

// Check verifies the engine's invariants; tests call it after mutations.
var Check = (*Engine).check
