package main

import (
	"fmt"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

// version is set at link time by release builds
// (-ldflags "-X main.version=v1.2.3"); otherwise the module version from the
// build info is used, or "dev".
var version = ""

// versionInfo is what `mlabctl version` prints.
type versionInfo struct {
	Version   string
	Commit    string
	Modified  bool
	GoVersion string
}

// buildVersion reads the version, VCS commit and Go version from the build info.
func buildVersion() versionInfo {
	v := versionInfo{Version: version, Commit: "unknown"}
	if bi, ok := debug.ReadBuildInfo(); ok {
		v.GoVersion = bi.GoVersion
		if v.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Commit = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
	}
	if v.Version == "" {
		v.Version = "dev"
	}
	return v
}

// userAgent is the User-Agent of every request.
func userAgent() string { return "mlabctl/" + buildVersion().Version }

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "Print mlabctl's version, VCS commit and Go version",
		Action: func(c *cli.Context) error {
			v := buildVersion()
			commit := v.Commit
			if v.Modified {
				commit += " (modified)"
			}
			fmt.Fprintf(c.App.Writer, "mlabctl %s\ncommit: %s\ngo: %s\n", v.Version, commit, v.GoVersion)
			return nil
		},
	}
}
