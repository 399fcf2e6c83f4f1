// Package testtool finds the programs tests run (hledger, bean-check,
// xmllint, ...): a missing one skips its test loudly, or fails it where
// FUNDUS_TEST_REQUIRE_TOOLS=1 (CI, whose .ci/run installs them).
package testtool

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// RequireVar names the variable that turns a missing tool into a failure.
const RequireVar = "FUNDUS_TEST_REQUIRE_TOOLS"

// Require returns the path of program name, which Debian's package pkg
// installs, or skips t loudly (fails it when RequireVar is 1).
func Require(t testing.TB, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(RequireVar) == "1" {
			t.Fatalf("%s is missing (apt-get install %s), but %s=1", name, pkg, RequireVar)
		}
		fmt.Fprintf(os.Stderr, "\n*** %s not found: %s is SKIPPED (apt-get install %s) ***\n", name, t.Name(), pkg)
		t.Skipf("%s not found: SKIPPED (apt-get install %s)", name, pkg)
	}
	return path
}
