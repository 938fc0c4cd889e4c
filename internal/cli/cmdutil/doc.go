// Package cmdutil is what every command of mlabctl shares: the Factory
// built once per run (streams, environment, clock, version, and from them
// the resolved global flags, API clients and sessions), the exit codes of
// CONTRACT.md and the errors that carry them, the global flags with the one
// helper that looks a flag up across the command line, the ephemeral login
// and team-account switch of a session (session.go), the least scopes a
// command asks for (scopes.go), the messages that say what to do about an
// API error (explain.go), and loading modelslab.yaml (loadspec.go).
//
// It is the gh CLI's cmdutil: command packages (internal/cli/<name>cmd)
// import it; it imports none of them, and package cli, which builds the
// command tree, imports both.
//
// It must not read the process environment, the clock or the standard
// streams except through its Factory, and holds no package-level mutable
// state, so that in-process tests of whole command lines run in parallel.
package cmdutil
