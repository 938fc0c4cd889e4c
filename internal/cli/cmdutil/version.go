package cmdutil

import "runtime/debug"

// Build is mlabctl's version, as `mlabctl version` prints it and plan files
// and the User-Agent record it.
type Build struct {
	Version   string
	Commit    string
	Modified  bool
	GoVersion string
}

// ReadBuild reads the VCS commit and Go version from the build info. The
// version is linked, when a release build set it (main.version, see
// main.go); otherwise the module version from the build info, or "dev".
func ReadBuild(linked string) Build {
	v := Build{Version: linked, Commit: "unknown"}
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
