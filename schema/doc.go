// Package schema embeds modelslab.schema.json, the JSON Schema (draft
// 2020-12) that is the single definition of the shape of modelslab.yaml:
// `mlabctl schema` prints it, editors read it, and package spec validates
// every file against it before its semantic checks.
//
// It also embeds plan.schema.json, the schema of the JSON plan (`plan -o
// json`), which tests validate real renderer output against and which
// `mlabctl schema --plan` prints.
//
// It owns only the schema texts and their compiled forms. It must not load
// anything from the network or the file system: the schema and the draft
// meta-schema are both compiled from memory.
package schema
