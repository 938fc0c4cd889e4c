// Package e2e is mlabctl's binary-level acceptance suite: its tests build
// the real binary once (TestMain) and run it, checking only what a real
// process shows and an in-process test cannot: the exit codes the process
// ends with (TestBinaryExitCodes, one run per code), signals (SIGINT and
// SIGTERM: TestSecondInterruptQuits, TestApplyInterrupted,
// TestApplySecondSignal), several processes at once and kill -9 (the account
// lock: TestApplyLockAcrossProcesses, TestApplyLockOfAKilledHolder,
// TestTwoStaggeredApplies), real terminals
// through script(1) (TestContractNoColor, TestContractSecretOnceOnATerminal),
// the working directory a process starts in (TestValidateDefaultFile), and
// the repository's own files a user copies and runs as they are: README.md's
// demo command (TestApplyReadmeDemo), docs/ command lines, examples/github/
// workflows and action.yml's scripts.
//
// Everything else (every command's behaviour, the rest of the CONTRACT.md
// promises, TestContract*) is tested in-process and in parallel, in the
// command's package under internal/cli through internal/cli/clitest: a
// test belongs here only if it needs the binary. The two suites share
// clitest's file and secret helpers and emulator/emulatortest.
//
// The package has no code besides this file: go vet and go build see a
// package, and go test runs its tests.
package e2e
