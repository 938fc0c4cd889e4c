// Package atomicfile owns every file mlabctl writes (token files, the
// secrets file, plan files, exports, the emulator's state): each is a
// regular file, replaced in one step, so that a reader (or a crash) never
// meets half a file and the file ends up with exactly the mode the caller
// asked for.
//
// What may stand at an output path:
//
//   - nothing: the file is created (its directory must exist);
//   - a regular file: it is replaced by a rename;
//   - a symlink to a regular file: the link is kept and its target is
//     replaced in place (in the target's directory), so a link into a
//     secrets store receives the new content;
//   - anything else (a directory, a named pipe, a socket, a device such as
//     /dev/null, a symlink to one of those, a dangling symlink) is refused
//     with a *NotRegularError that names the path and what it is. Check
//     refuses the same before anything changes; Write checks again.
//
// A writer killed between creating its temporary file and the rename
// leaves a hidden ".NAME.tmp-DIGITS" beside the file; it never has the
// file's name, so nothing reads it, and the next Write of that file removes
// such leftovers once they are old enough to belong to no live writer.
//
// It must not know what it writes (no formats, no merging, no secrets
// handling beyond the mode) and must not print anything.
package atomicfile
