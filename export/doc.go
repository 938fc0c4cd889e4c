// Package export writes a live account (a remote.State) as a commented
// modelslab.yaml that spec.Parse accepts and on which plan.Compute finds no
// changes: the starting point for managing an existing account as code.
//
// It is pure: it reads no clock (the export time is an option), does no I/O
// besides writing to the given io.Writer, and never touches the network.
// It must never write a secret: API key values are not part of the output,
// and neither are access tokens (they are tied to devices, not declared).
// Every value is emitted through yaml.v3 nodes so that quoting is always
// right, and every piece of live text placed in a comment is quoted, so
// that no name can inject YAML through a comment.
package export
