// Package releasetest holds the tests of how mlabctl reaches its users;
// it has no code of its own. They check, from the repository root:
//
//   - .goreleaser.yaml: the fields a release needs (six targets, static and
//     reproducible builds, the version and commit stamped into
//     internal/buildinfo, the archive and checksums names action.yml
//     downloads), and a snapshot build of this machine's target with exactly
//     the config's env, flags and ldflags, whose `mlabctl version` must
//     report the stamped tag;
//   - .github/workflows/release.yml: its tag check and its release notes
//     taken from CHANGELOG.md, run by bash on throwaway repositories;
//   - action.yml: its steps run in order as the runner runs a composite
//     action (if: conditions, env expressions, step outputs, GITHUB_PATH),
//     against a local HTTP server standing in for the release host, with a
//     stub `go` on PATH: a release found is downloaded, verified and run;
//     a tampered checksum or archive fails with a clear message and installs
//     nothing; no release for the version takes the source-build path;
//   - every run script of action.yml and the release workflow passes
//     shellcheck, and every third-party action is pinned by commit SHA with
//     its version in a comment.
//
// Tests that build binaries are skipped with -short; shellcheck is required
// when MLABCTL_REQUIRE_TOOLS=1 (as .ci/run sets it), skipped otherwise.
package releasetest
