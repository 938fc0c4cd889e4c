package releasetest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"text/template"

	"gopkg.in/yaml.v3"
)

// repoRoot is the repository root, relative to this package's directory
// (where go test runs its tests).
const repoRoot = "../.."

// goreleaserConfig is the part of .goreleaser.yaml the tests read.
type goreleaserConfig struct {
	Version     int    `yaml:"version"`
	ProjectName string `yaml:"project_name"`
	Builds      []struct {
		ID           string   `yaml:"id"`
		Main         string   `yaml:"main"`
		Binary       string   `yaml:"binary"`
		Env          []string `yaml:"env"`
		Goos         []string `yaml:"goos"`
		Goarch       []string `yaml:"goarch"`
		Flags        []string `yaml:"flags"`
		Ldflags      []string `yaml:"ldflags"`
		ModTimestamp string   `yaml:"mod_timestamp"`
	} `yaml:"builds"`
	Archives []struct {
		ID              string   `yaml:"id"`
		IDs             []string `yaml:"ids"`
		Formats         []string `yaml:"formats"`
		FormatOverrides []struct {
			Goos    string   `yaml:"goos"`
			Formats []string `yaml:"formats"`
		} `yaml:"format_overrides"`
		NameTemplate string `yaml:"name_template"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
		Algorithm    string `yaml:"algorithm"`
	} `yaml:"checksum"`
	Changelog struct {
		Disable bool `yaml:"disable"`
	} `yaml:"changelog"`
}

// readRepoYAML decodes the repository's file name into v.
func readRepoYAML(t *testing.T, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func readGoreleaser(t *testing.T) goreleaserConfig {
	t.Helper()
	var c goreleaserConfig
	readRepoYAML(t, ".goreleaser.yaml", &c)
	if len(c.Builds) != 1 || len(c.Archives) != 1 {
		t.Fatalf(".goreleaser.yaml has %d builds and %d archives; the tests know one of each", len(c.Builds), len(c.Archives))
	}
	return c
}

// render fills one of GoReleaser's name templates. An unknown field is an
// error: the test must not guess what GoReleaser would put there.
func render(t *testing.T, tmpl string, vars map[string]string) string {
	t.Helper()
	tp, err := template.New("").Option("missingkey=error").Parse(tmpl)
	if err != nil {
		t.Fatalf("template %q: %v", tmpl, err)
	}
	var b bytes.Buffer
	if err := tp.Execute(&b, vars); err != nil {
		t.Fatalf("template %q: %v", tmpl, err)
	}
	return b.String()
}

// releaseAssets are the names of a release's files, as .goreleaser.yaml
// names them.
type releaseAssets struct {
	Archive   string // for one OS/arch
	Binary    string // inside the archive
	Checksums string
}

func (c goreleaserConfig) assets(t *testing.T, tag, goos, goarch string) releaseAssets {
	t.Helper()
	vars := map[string]string{"ProjectName": c.ProjectName, "Version": strings.TrimPrefix(tag, "v"), "Tag": tag, "Os": goos, "Arch": goarch}
	a := c.Archives[0]
	formats := a.Formats
	for _, o := range a.FormatOverrides {
		if o.Goos == goos {
			formats = o.Formats
		}
	}
	if len(formats) != 1 {
		t.Fatalf("archives for %s: formats %v, want one", goos, formats)
	}
	binary := c.Builds[0].Binary
	if goos == "windows" {
		binary += ".exe"
	}
	return releaseAssets{
		Archive:   render(t, a.NameTemplate, vars) + "." + formats[0],
		Binary:    binary,
		Checksums: render(t, c.Checksum.NameTemplate, vars),
	}
}

// TestGoreleaserConfig checks the fields a release depends on. The names it
// checks are those action.yml builds its download URLs from (and the action
// tests serve their fake releases under these names, so the two agree).
func TestGoreleaserConfig(t *testing.T) {
	c := readGoreleaser(t)
	var problems []string
	check := func(ok bool, msg string) {
		if !ok {
			problems = append(problems, msg)
		}
	}
	b := c.Builds[0]
	check(c.Version == 2, "version is not 2 (GoReleaser v2's format)")
	check(c.ProjectName == "mlabctl", "project_name is not mlabctl")
	check(b.Main == "." && b.Binary == "mlabctl", "the build is not of the root package as binary mlabctl")
	check(strings.Join(b.Goos, ",") == "linux,darwin,windows", "goos is not [linux, darwin, windows]")
	check(strings.Join(b.Goarch, ",") == "amd64,arm64", "goarch is not [amd64, arm64]")
	check(contains(b.Env, "CGO_ENABLED=0"), "the build does not set CGO_ENABLED=0 (static binaries that run on any libc)")
	check(contains(b.Flags, "-trimpath"), "the build has no -trimpath (reproducible, no build paths in the binary)")
	check(b.ModTimestamp == "{{ .CommitTimestamp }}", "mod_timestamp is not the commit's (reproducible)")
	ld := strings.Join(b.Ldflags, " ")
	for _, stamp := range []string{
		"-X github.com/mlabctl/mlabctl/internal/buildinfo.version={{ .Tag }}",
		"-X github.com/mlabctl/mlabctl/internal/buildinfo.commit={{ .FullCommit }}",
	} {
		check(strings.Contains(ld, stamp), "ldflags lack "+stamp)
	}
	// The linker ignores -X of a variable that does not exist: a stamp of
	// any other package would silently do nothing.
	for _, l := range b.Ldflags {
		for _, f := range strings.Fields(l) {
			if f != "-X" && strings.Contains(f, "=") && !strings.HasPrefix(f, "github.com/mlabctl/mlabctl/internal/buildinfo.") {
				problems = append(problems, "ldflags stamp "+f+", which is no variable of internal/buildinfo")
			}
		}
	}
	a := c.Archives[0]
	check(strings.Join(a.IDs, ",") == b.ID, "the archive does not hold the build "+b.ID)
	check(c.Checksum.Algorithm == "sha256", "checksum algorithm is not sha256 (what action.yml and the README verify)")
	check(c.Changelog.Disable, "the generated changelog is not disabled (release notes come from CHANGELOG.md)")
	for _, p := range problems {
		t.Errorf(".goreleaser.yaml: %s", p)
	}

	// The exact names users and action.yml download.
	for _, tc := range []struct {
		goos, goarch string
		want         releaseAssets
	}{
		{"linux", "amd64", releaseAssets{"mlabctl_1.2.3_linux_amd64.tar.gz", "mlabctl", "mlabctl_1.2.3_checksums.txt"}},
		{"darwin", "arm64", releaseAssets{"mlabctl_1.2.3_darwin_arm64.tar.gz", "mlabctl", "mlabctl_1.2.3_checksums.txt"}},
		{"windows", "amd64", releaseAssets{"mlabctl_1.2.3_windows_amd64.zip", "mlabctl.exe", "mlabctl_1.2.3_checksums.txt"}},
	} {
		if got := c.assets(t, "v1.2.3", tc.goos, tc.goarch); got != tc.want {
			t.Errorf("assets of %s/%s: %+v, want %+v", tc.goos, tc.goarch, got, tc.want)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// snapshotTag and snapshotCommit are what the snapshot build stamps.
const (
	snapshotTag    = "v0.0.0-snapshot.1"
	snapshotCommit = "0123456789abcdef0123456789abcdef01234567"
)

// buildAsConfigured builds pkg for this machine's OS and architecture with
// the config's env, flags and ldflags (the templates filled with the
// snapshot's tag and commit), as GoReleaser runs `go build`.
func buildAsConfigured(t *testing.T, c goreleaserConfig, pkg, out string) {
	t.Helper()
	b := c.Builds[0]
	vars := map[string]string{"Tag": snapshotTag, "FullCommit": snapshotCommit, "Version": strings.TrimPrefix(snapshotTag, "v")}
	var ldflags []string
	for _, l := range b.Ldflags {
		ldflags = append(ldflags, render(t, l, vars))
	}
	args := append([]string{"build", "-o", out}, b.Flags...)
	args = append(args, "-ldflags", strings.Join(ldflags, " "), pkg)
	cmd := exec.Command("go", args...)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), b.Env...)
	cmd.Env = append(cmd.Env, "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestSnapshotBuild builds mlabctl as a release does and checks what the
// binary says of itself: `mlabctl version` and `mlabctl --version` name the
// stamped tag and commit (internal/buildinfo, which they print, got the
// stamps), and the build info records the config's flags.
// Every target of the config is built by the release workflow's snapshot
// job on each pull request that touches it; here only this machine's, to
// keep CI short.
func TestSnapshotBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds mlabctl; skipped with -short")
	}
	c := readGoreleaser(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "mlabctl")
	buildAsConfigured(t, c, c.Builds[0].Main, bin)

	want := "mlabctl " + snapshotTag + "\ncommit: " + snapshotCommit + "\ngo: go1."
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, err := exec.Command(bin, args...).Output()
		if err != nil {
			t.Fatalf("mlabctl %s: %v", args[0], err)
		}
		if !strings.HasPrefix(string(out), want) {
			t.Errorf("mlabctl %s says\n%s\nwant it to start with\n%s", args[0], out, want)
		}
	}

	meta, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	// (With -trimpath, Go leaves -ldflags out of the build info.)
	for _, want := range []string{"build\t-trimpath=true", "build\tCGO_ENABLED=0"} {
		if !strings.Contains(string(meta), want) {
			t.Errorf("the binary's build info lacks %q:\n%s", want, meta)
		}
	}
}
