// Package spec owns the modelslab.yaml file format. Load and Parse turn a
// file into a Spec whose values carry their FILE:LINE:COL, in stages:
//
//   - bytes: a size cap (MaxFileSize, checked before parsing), UTF-8 and
//     the characters YAML forbids (loader.go);
//   - YAML: exactly one document, a mapping, parsed by yaml.v3 into nodes;
//     anchors and aliases counted without expanding them (aliases.go);
//   - shape: the nodes converted to plain values (convert.go: duplicate
//     keys, tags, merge keys) and validated against the embedded JSON
//     Schema of package schema, each error mapped back to its node and
//     worded for a person (schema_check.go);
//   - meaning: the Spec is read out of the nodes with the checks a schema
//     cannot express: duplicate names, ids and emails, email syntax,
//     durations, globs (build.go, checks.go).
//
// Every problem of every stage that can run is collected into one
// Diagnostics error, sorted by position. The exported helpers of checks.go
// (ParseDuration, FormatDuration, CheckEmail, CheckGlob, MatchGlob) are the
// rules the loader applies, for packages that must agree with it.
//
// The package never touches the network or any file but the one it loads,
// and never prints: callers decide how diagnostics are shown.
package spec
