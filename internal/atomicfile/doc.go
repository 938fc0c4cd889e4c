// Package atomicfile replaces a file's content in one step, so that a reader
// (or a crash) never meets half a file and the file ends up with exactly the
// mode the caller asked for. It is the only place mlabctl writes a file it
// owns: token files, the secrets file, plan files, exports and the
// emulator's state.
//
// It must not know what it writes (no formats, no merging, no secrets
// handling beyond the mode) and must not print anything.
package atomicfile
