// Package emulator is the ModelsLab Agent Control Plane (../shared/design/API.md)
// as an http.Handler: the server that tests, the README demo, the benchmarks and
// `mlabctl emulator` talk to. It keeps its state in memory (optionally saved to
// a file), is configured by exported fields whose zero values mean "off", can
// be seeded and inspected from Go, and fails loudly on unknown routes.
//
// It is an independent implementation of API.md: it does not import the
// client (package remote), so the two check each other.
package emulator
