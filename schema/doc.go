// Package schema embeds modelslab.schema.json, the JSON Schema (draft
// 2020-12) that is the single definition of the shape of modelslab.yaml:
// `mlabctl schema` prints it, editors read it, and package spec validates
// every file against it before its semantic checks.
//
// It owns only the schema text and its compiled form. It must not load
// anything from the network or the file system: the schema and the draft
// meta-schema are both compiled from memory.
package schema
