// Package e2e is mlabctl's binary-level acceptance suite: its tests build
// the real binary once (TestMain) and run it against an emulator, checking
// what only a real process shows: exit codes of the binary, signals,
// terminals (through script(1)), the environment a process inherits, and
// the repository's own files a user copies (README.md's commands, docs/,
// examples/github/ workflows, action.yml), which the tests read from the
// repository's root. Each area has its own e2e_<area>_test.go; the
// promise → test mapping of CONTRACT.md is in e2e_contract_test.go.
//
// It is a directory of its own, not part of internal/cli, because it tests
// the binary and the repository as a user gets them, not a package; and so
// that the in-process command tests (internal/cli/<name>cmd, through
// internal/cli/clitest) stay fast and parallel.
//
// The package has no code besides this file: go vet and go build see a
// package, and go test runs its tests.
package e2e
