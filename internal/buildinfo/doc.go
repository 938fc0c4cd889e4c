// Package buildinfo says which mlabctl this binary is: its version, the VCS
// commit it was built from and the Go version that built it. It is the one
// place that knows how a version reaches a binary:
//
//   - a release build (.goreleaser.yaml) stamps the tag and the commit at
//     link time with -ldflags "-X" into the variables of this package;
//   - `go install github.com/mlabctl/mlabctl@v1.2.3` records the module
//     version (and a pseudo-version's commit) in the binary's build info;
//   - a build in a git checkout records vcs.revision and vcs.modified
//     (unless -buildvcs=false);
//   - anything else is "dev".
//
// `mlabctl version`, the User-Agent and the mlabctl_version of plan files
// all read Read(). The package must not print, and must not know the
// command line.
package buildinfo
