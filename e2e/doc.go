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
// TestCrashMatrix (crash_test.go) is issue 11's crash matrix: apply killed
// with kill -9 at a random moment (and the apply after it too),
// interrupted by SIGINT, SIGINT then SIGTERM or two SIGINTs, run twice at
// once on one secrets file, against a server that drops answers after
// committing them (creates, invites, deletes, a random tenth of all),
// with a rotation cut between its creates and its deletes, and with
// create answers that lack the secret;
// each row against an `mlabctl emulator` child (latency 20 ms plus up to
// 20 ms of jitter) with and without --ignore-idempotency. After at most two
// further applies, judged on the emulator's state file: every declared key
// exists exactly once, the secrets file holds the live secret of every
// key mlabctl created, the plan is empty, every exit was 0, 1, 3 or 4 (130
// for a signalled run) and 1 only when nothing changed. Its environment:
//
//	MLABCTL_CRASH_TRIALS=N  trials per row and axis (default 2)
//	MLABCTL_CRASH_SEED=S    the first trial's seed (trial i uses S+i); unset,
//	                        one is drawn and logged; a failure prints the
//	                        command that repeats it
//	MLABCTL_CRASH_KNOWN=1   also run the rows marked known to fail
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
