package buildinfo

import (
	"fmt"
	"regexp"
	"runtime/debug"
)

// Stamped at link time by release builds; see .goreleaser.yaml, whose
// ldflags name these variables by their full import path:
//
//	-X github.com/mlabctl/mlabctl/internal/buildinfo.version=v1.2.3
//	-X github.com/mlabctl/mlabctl/internal/buildinfo.commit=<full SHA>
//
// They are variables (not constants) because -X can only set a string
// variable; nothing assigns them at run time.
var (
	version string
	commit  string
)

// Dev is the version of a binary built without a release stamp or a module
// version, e.g. by `go build` in a checkout without VCS information.
const Dev = "dev"

// Info describes one build of mlabctl.
type Info struct {
	// Version is the release tag ("v1.2.3"), the module version of a
	// `go install …@version` build (maybe a pseudo-version), or Dev.
	Version string
	// Commit is the VCS revision the binary was built from, or "" when the
	// build does not know it. A pseudo-version yields its 12-digit prefix.
	Commit string
	// Modified reports uncommitted changes in the checkout that was built.
	Modified bool
	// GoVersion is the Go toolchain that built the binary ("go1.26.8").
	GoVersion string
}

// Read returns this binary's build information.
func Read() Info {
	bi, _ := debug.ReadBuildInfo() // nil without build info
	return fromBuild(version, commit, bi)
}

// fromBuild combines the link-time stamps with the Go build info (nil when
// the binary has none). The stamps win: a release is exactly its tag, even if
// the build info carries a VCS-derived version too.
func fromBuild(stampedVersion, stampedCommit string, bi *debug.BuildInfo) Info {
	info := Info{Version: stampedVersion, Commit: stampedCommit}
	if bi != nil {
		info.GoVersion = bi.GoVersion
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		var revision string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
		if info.Commit == "" {
			info.Commit = revision
		}
	}
	if info.Commit == "" {
		info.Commit = pseudoVersionRevision(info.Version)
	}
	if info.Version == "" {
		info.Version = Dev
	}
	return info
}

// pseudoVersion matches the Go module pseudo-versions of
// https://go.dev/ref/mod#pseudo-versions (vX.0.0-yyyymmddhhmmss-abcdefabcdef,
// vX.Y.Z-pre.0.yyyymmddhhmmss-…, vX.Y.(Z+1)-0.yyyymmddhhmmss-…), with an
// optional +incompatible or +dirty build suffix.
var pseudoVersion = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+-(?:[0-9A-Za-z.-]+\.)?[0-9]{14}-([0-9a-f]{12})(?:\+[0-9A-Za-z.]+)?$`)

// pseudoVersionRevision returns the commit prefix a pseudo-version embeds
// (what `go install …@main` records), or "".
func pseudoVersionRevision(v string) string {
	if m := pseudoVersion.FindStringSubmatch(v); m != nil {
		return m[1]
	}
	return ""
}

// UserAgent is the User-Agent of mlabctl's HTTP requests: "mlabctl/VERSION".
func (i Info) UserAgent() string { return "mlabctl/" + i.Version }

// String is what `mlabctl version` (and `mlabctl --version`) print: the
// version on the first line, as "mlabctl v1.2.3", then the commit ("unknown"
// when the build does not know it, "(modified)" after it for a dirty
// checkout) and the Go version.
func (i Info) String() string {
	c := i.Commit
	if c == "" {
		c = "unknown"
	}
	if i.Modified {
		c += " (modified)"
	}
	g := i.GoVersion
	if g == "" {
		g = "unknown"
	}
	return fmt.Sprintf("mlabctl %s\ncommit: %s\ngo: %s\n", i.Version, c, g)
}
