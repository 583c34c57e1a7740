package compat

// openFinding reports which open finding of FINDINGS.md a command would
// trigger, or "". The generator leaves such commands out so that CI stays
// green while the fix is routed; -compat.findings sends them anyway, to
// check whether main has fixed them. Once fixed, the finding's shrunk
// sequence moves to regressions (regress_test.go) and its entry here goes.
func openFinding(args []string) string {
	if *flagFindings {
		return ""
	}
	return ""
}
