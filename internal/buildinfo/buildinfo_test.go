package buildinfo

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const sha = "0123456789abcdef0123456789abcdef01234567"

func settings(kv ...string) []debug.BuildSetting {
	var out []debug.BuildSetting
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
	}
	return out
}

func TestFromBuild(t *testing.T) {
	for _, tc := range []struct {
		name                          string
		stampedVersion, stampedCommit string
		bi                            *debug.BuildInfo
		want                          Info
	}{
		{
			name: "no build info at all",
			want: Info{Version: Dev},
		},
		{
			name: "go build in a checkout with -buildvcs=false",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			want: Info{Version: Dev, GoVersion: "go1.26.8"},
		},
		{
			name: "go build in a git checkout: the VCS commit, modified",
			bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"},
				Settings: settings("vcs", "git", "vcs.revision", sha, "vcs.modified", "true")},
			want: Info{Version: Dev, Commit: sha, Modified: true, GoVersion: "go1.26.8"},
		},
		{
			name: "go build at a tag (Go records the tag as the module version)",
			bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"},
				Settings: settings("vcs.revision", sha, "vcs.modified", "false")},
			want: Info{Version: "v1.2.3", Commit: sha, GoVersion: "go1.26.8"},
		},
		{
			name: "go install …@v1.2.3: the module version, no VCS information",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/mlabctl/mlabctl", Version: "v1.2.3"}},
			want: Info{Version: "v1.2.3", GoVersion: "go1.26.8"},
		},
		{
			name: "go install …@main: a pseudo-version names its commit",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261201120000-0123456789ab"}},
			want: Info{Version: "v0.0.0-20261201120000-0123456789ab", Commit: "0123456789ab", GoVersion: "go1.26.8"},
		},
		{
			name: "a pseudo-version after a tag, dirty",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.4-0.20261201120000-0123456789ab+dirty"}},
			want: Info{Version: "v1.2.4-0.20261201120000-0123456789ab+dirty", Commit: "0123456789ab", GoVersion: "go1.26.8"},
		},
		{
			name: "a pre-release pseudo-version",
			bi:   &debug.BuildInfo{Main: debug.Module{Version: "v1.3.0-rc.1.0.20261201120000-0123456789ab"}},
			want: Info{Version: "v1.3.0-rc.1.0.20261201120000-0123456789ab", Commit: "0123456789ab"},
		},
		{
			name: "a pre-release is not a pseudo-version",
			bi:   &debug.BuildInfo{Main: debug.Module{Version: "v1.3.0-rc.1"}},
			want: Info{Version: "v1.3.0-rc.1"},
		},
		{
			name:           "a release build: the stamps win over the build info",
			stampedVersion: "v1.2.3", stampedCommit: sha,
			bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.4-0.20261201120000-fedcba987654"},
				Settings: settings("vcs.revision", "fedcba9876543210fedcba9876543210fedcba98", "vcs.modified", "false")},
			want: Info{Version: "v1.2.3", Commit: sha, GoVersion: "go1.26.8"},
		},
		{
			name:           "a stamped version without a stamped commit takes the VCS one",
			stampedVersion: "v1.2.3",
			bi:             &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: settings("vcs.revision", sha)},
			want:           Info{Version: "v1.2.3", Commit: sha},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, fromBuild(tc.stampedVersion, tc.stampedCommit, tc.bi)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestString(t *testing.T) {
	for _, tc := range []struct {
		name string
		info Info
		want string
	}{
		{"release", Info{Version: "v1.2.3", Commit: sha, GoVersion: "go1.26.8"}, "mlabctl v1.2.3\ncommit: " + sha + "\ngo: go1.26.8\n"},
		{"modified checkout", Info{Version: Dev, Commit: sha, Modified: true, GoVersion: "go1.26.8"}, "mlabctl dev\ncommit: " + sha + " (modified)\ngo: go1.26.8\n"},
		{"nothing known", Info{Version: Dev}, "mlabctl dev\ncommit: unknown\ngo: unknown\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.info.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if got, want := (Info{Version: "v1.2.3"}).UserAgent(), "mlabctl/v1.2.3"; got != want {
		t.Errorf("UserAgent() = %q, want %q", got, want)
	}
}

// TestReadInThisTestBinary checks Read against the real build info of the
// running test binary: nothing is stamped, so the version is never empty
// and the Go version is the toolchain's.
func TestReadInThisTestBinary(t *testing.T) {
	got := Read()
	if got.Version == "" {
		t.Error("Read().Version is empty")
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		t.Skip("the test binary has no build info")
	}
	if got.GoVersion != bi.GoVersion {
		t.Errorf("GoVersion = %q, want %q", got.GoVersion, bi.GoVersion)
	}
}

// TestLinkerStamp builds testdata/printinfo with -X stamps, as a release
// does, and checks that the variables' full import paths are right: a
// misspelt -X target is silently ignored by the linker.
func TestLinkerStamp(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "printinfo")
	const pkg = "github.com/mlabctl/mlabctl/internal/buildinfo"
	cmd := exec.Command("go", "build", "-o", bin,
		"-ldflags", "-X "+pkg+".version=v9.8.7 -X "+pkg+".commit="+sha,
		"./testdata/printinfo")
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := Info{Version: "v9.8.7", Commit: sha, GoVersion: Read().GoVersion}.String()
	if diff := cmp.Diff(want, string(out)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
