// Package plan is pure: from a spec.Spec and a remote.State it computes a
// Plan (Compute), and it renders that one value as text, markdown and JSON.
// What apply's journal knows about the live keys (an interrupted apply's
// kept secrets, orphans and rotations: apply.Settle) comes in as data too,
// Options.Settled, and reaches the plan as reasons (settled.go).
// It does no file or network I/O (plan files are package plan/planfile's),
// reads no clock (the time is injected), and holds no closures: a Plan is
// plain data that can be saved to a plan file and executed later by package
// apply exactly as it was shown.
package plan
