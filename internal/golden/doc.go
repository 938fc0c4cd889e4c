// Package golden is the one place tests compare output with golden files
// under their package's testdata/: read the file, compare, print a
// (-want +got) diff on a mismatch, or rewrite the file when the test binary
// runs with -update (go test ./pkg -update).
//
// It registers the -update flag itself, once per test binary, so a package
// whose tests use it must not register its own. It is imported by tests
// only: no production code may depend on it, and it never writes outside
// the paths its callers name.
package golden
