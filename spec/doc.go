// Package spec owns the modelslab.yaml file format: it decodes a file through
// yaml.v3 nodes, checks it against the embedded JSON Schema (package schema),
// runs the semantic checks the schema cannot express, and returns a Spec whose
// values carry their file:line:col. It never touches the network.
package spec
