package ghactions

// The internals the tests of package ghactions_test check, which run in an
// external package to share clitest's helpers (clitest imports, through
// package cli, this one).
var EscapeProperty = escapeProperty
