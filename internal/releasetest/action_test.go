package releasetest

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeRelease is a release host: it serves files under
// PREFIX/TAG/NAME and records every request path.
type fakeRelease struct {
	prefix string
	files  map[string][]byte // "TAG/NAME" → content
	status map[string]int    // "TAG/NAME" → a status to answer instead

	mu       sync.Mutex
	requests []string
}

func (f *fakeRelease) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.URL.Path)
	f.mu.Unlock()
	name, ok := strings.CutPrefix(r.URL.Path, f.prefix+"/")
	if code := f.status[name]; ok && code != 0 {
		http.Error(w, "injected", code)
		return
	}
	data, found := f.files[name]
	if !ok || !found {
		http.NotFound(w, r)
		return
	}
	w.Write(data)
}

func (f *fakeRelease) paths() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

// fakeBinary is a "release binary": a script that reports version.
func fakeBinary(version string) []byte {
	return []byte("#!/bin/sh\nif [ \"$1\" = version ]; then echo \"mlabctl " + version + "\"; echo 'commit: " + snapshotCommit + "'; echo 'go: go1.26.8'; exit 0; fi\necho \"fake mlabctl $*\"\n")
}

// archive packs files the way .goreleaser.yaml does: at the top level, in
// a tar.gz or a zip (by name).
func archive(t *testing.T, name string, files map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if strings.HasSuffix(name, ".zip") {
		zw := zip.NewWriter(&b)
		for n, data := range files {
			h := &zip.FileHeader{Name: n, Method: zip.Deflate}
			h.SetMode(0o755)
			w, err := zw.CreateHeader(h)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(data)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	for n, data := range files {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	gz.Close()
	return b.Bytes()
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// release describes one fake release for a test case.
type release struct {
	tag       string
	platforms [][2]string          // goos, goarch of the binaries it has
	reports   string               // what its binaries say `version` is; "" = the tag
	tamper    func(r *releaseFile) // changes one file after the checksums were made
	noBinary  bool                 // archives without the binary
}

type releaseFile struct {
	sums    []byte // the checksums file
	archive []byte // the runner's archive
}

// publish adds rel to host, named as .goreleaser.yaml names its files, and
// returns the runner platform's asset names.
func publish(t *testing.T, host *fakeRelease, rel release, runnerOS, runnerArch string) releaseAssets {
	t.Helper()
	c := readGoreleaser(t)
	reports := rel.reports
	if reports == "" {
		reports = rel.tag
	}
	var sums bytes.Buffer
	var mine releaseAssets
	for _, p := range rel.platforms {
		a := c.assets(t, rel.tag, p[0], p[1])
		content := map[string][]byte{"README.md": []byte("# mlabctl\n")}
		if !rel.noBinary {
			content[a.Binary] = fakeBinary(reports)
		}
		data := archive(t, a.Archive, content)
		host.files[rel.tag+"/"+a.Archive] = data
		fmt.Fprintf(&sums, "%s  %s\n", sha256Hex(data), a.Archive)
		mine.Checksums = a.Checksums
		if p[0] == runnerOS && p[1] == runnerArch {
			mine = a
		}
	}
	if mine.Checksums == "" {
		mine.Checksums = c.assets(t, rel.tag, "linux", "amd64").Checksums
	}
	f := &releaseFile{sums: sums.Bytes(), archive: host.files[rel.tag+"/"+mine.Archive]}
	if rel.tamper != nil {
		rel.tamper(f)
	}
	host.files[rel.tag+"/"+mine.Checksums] = f.sums
	if mine.Archive != "" {
		host.files[rel.tag+"/"+mine.Archive] = f.archive
	}
	return mine
}

var allPlatforms = [][2]string{{"linux", "amd64"}, {"linux", "arm64"}, {"darwin", "amd64"}, {"darwin", "arm64"}, {"windows", "amd64"}, {"windows", "arm64"}}

// goosOf maps RUNNER_OS to GOOS.
var goosOf = map[string]string{"Linux": "linux", "macOS": "darwin", "Windows": "windows"}

// goarchOf maps RUNNER_ARCH to GOARCH.
var goarchOf = map[string]string{"X64": "amd64", "ARM64": "arm64"}

// The steps of action.yml, by id, as the tests expect them to run.
var (
	releaseSteps = []string{"release", "run"}
	sourceSteps  = []string{"release", "setup-go", "go-cache", "cache", "build", "run"}
)

func TestActionInstall(t *testing.T) {
	const sha = "89abcdef0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		name    string
		release *release          // nil: none published
		status  map[string]int    // asset name → injected status
		inputs  map[string]string // with:
		ref     string            // github.action_ref
		env     map[string]string // RUNNER_OS, RUNNER_ARCH overrides

		wantFrom     string   // installed-from; "" when the step failed
		wantSteps    []string // steps run, in order
		wantFailed   string   // the failing step's id
		wantLog      []string // parts of the steps' output
		wantGo       []string // the stub go's calls ("" entries are not allowed)
		wantRequests []string // file names fetched from the host, in order
	}{
		{
			name:         "the action's ref is a release: downloaded, verified, run",
			release:      &release{tag: "v1.2.3", platforms: allPlatforms},
			ref:          "v1.2.3",
			wantFrom:     "release",
			wantSteps:    releaseSteps,
			wantLog:      []string{"installed the mlabctl release v1.2.3 (mlabctl_1.2.3_linux_", "sha256 ", "mlabctl v1.2.3\ncommit: ", "fake mlabctl plan --detailed-exitcode"},
			wantRequests: []string{"v1.2.3/mlabctl_1.2.3_checksums.txt", "v1.2.3/mlabctl_1.2.3_linux_ARCH.tar.gz"},
		},
		{
			name:         "an explicit version without its v, on a Windows runner: the zip",
			release:      &release{tag: "v1.4.0", platforms: allPlatforms},
			inputs:       map[string]string{"version": "1.4.0"},
			ref:          "0123456789abcdef0123456789abcdef01234567",
			env:          map[string]string{"RUNNER_OS": "Windows"},
			wantFrom:     "release",
			wantSteps:    releaseSteps,
			wantLog:      []string{"installed the mlabctl release v1.4.0 (mlabctl_1.4.0_windows_"},
			wantRequests: []string{"v1.4.0/mlabctl_1.4.0_checksums.txt", "v1.4.0/mlabctl_1.4.0_windows_ARCH.zip"},
		},
		{
			name:         "a macOS runner: the darwin archive",
			release:      &release{tag: "v1.2.3", platforms: allPlatforms},
			ref:          "v1.2.3",
			env:          map[string]string{"RUNNER_OS": "macOS"},
			wantFrom:     "release",
			wantSteps:    releaseSteps,
			wantRequests: []string{"v1.2.3/mlabctl_1.2.3_checksums.txt", "v1.2.3/mlabctl_1.2.3_darwin_ARCH.tar.gz"},
		},
		{
			name: "a tampered checksum fails loudly and installs nothing",
			release: &release{tag: "v1.2.3", platforms: allPlatforms, tamper: func(f *releaseFile) {
				f.sums = bytes.Replace(f.sums, []byte(sha256Hex(f.archive)), []byte(strings.Repeat("0", 64)), 1)
			}},
			ref:          "v1.2.3",
			wantSteps:    []string{"release"},
			wantFailed:   "release",
			wantLog:      []string{"::error title=mlabctl not installed::checksum mismatch for mlabctl_1.2.3_linux_", "says " + strings.Repeat("0", 64), "mlabctl was not installed"},
			wantRequests: []string{"v1.2.3/mlabctl_1.2.3_checksums.txt", "v1.2.3/mlabctl_1.2.3_linux_ARCH.tar.gz"},
		},
		{
			name: "a tampered archive fails loudly and installs nothing",
			release: &release{tag: "v1.2.3", platforms: allPlatforms, tamper: func(f *releaseFile) {
				f.archive = append(append([]byte(nil), f.archive...), "evil"...)
			}},
			ref:        "v1.2.3",
			wantSteps:  []string{"release"},
			wantFailed: "release",
			wantLog:    []string{"checksum mismatch for mlabctl_1.2.3_linux_", "corrupted or tampered with"},
		},
		{
			name: "a checksums line that is no SHA-256 fails",
			release: &release{tag: "v1.2.3", platforms: allPlatforms, tamper: func(f *releaseFile) {
				f.sums = bytes.Replace(f.sums, []byte(sha256Hex(f.archive)), []byte("not-a-hash"), 1)
			}},
			ref:        "v1.2.3",
			wantSteps:  []string{"release"},
			wantFailed: "release",
			wantLog:    []string{`with "not-a-hash", which is not one SHA-256`},
		},
		{
			name:       "a release binary that reports another version is not installed",
			release:    &release{tag: "v1.2.3", platforms: allPlatforms, reports: "v1.2.2"},
			ref:        "v1.2.3",
			wantSteps:  []string{"release"},
			wantFailed: "release",
			wantLog:    []string{`reports "mlabctl v1.2.2", not "mlabctl v1.2.3"; not installing`},
		},
		{
			name:       "an archive without the binary fails",
			release:    &release{tag: "v1.2.3", platforms: allPlatforms, noBinary: true},
			ref:        "v1.2.3",
			wantSteps:  []string{"release"},
			wantFailed: "release",
			wantLog:    []string{"mlabctl_1.2.3_linux_ARCH.tar.gz of the release v1.2.3 holds no mlabctl"},
		},
		{
			name:         "the host fails: no fallback, an error",
			release:      &release{tag: "v1.2.3", platforms: allPlatforms},
			status:       map[string]int{"v1.2.3/mlabctl_1.2.3_checksums.txt": 502},
			ref:          "v1.2.3",
			wantSteps:    []string{"release"},
			wantFailed:   "release",
			wantLog:      []string{"downloading ", "mlabctl_1.2.3_checksums.txt: HTTP 502"},
			wantRequests: []string{"v1.2.3/mlabctl_1.2.3_checksums.txt"},
		},
		{
			name:         "the action's ref has no release: built from source",
			ref:          "v1.3.0",
			wantFrom:     "source",
			wantSteps:    sourceSteps,
			wantLog:      []string{"::notice title=mlabctl built from source::v1.3.0 has no release at ", "building the action's source at v1.3.0", "mlabctl dev"},
			wantGo:       []string{"env GOVERSION", "env GOMODCACHE", "env GOCACHE", "install .", "env GOBIN"},
			wantRequests: []string{"v1.3.0/mlabctl_1.3.0_checksums.txt"},
		},
		{
			name:      "a branch ref: built from source, the host never asked",
			ref:       "main",
			wantFrom:  "source",
			wantSteps: sourceSteps,
			wantLog:   []string{"main is not a release version (vX.Y.Z)"},
			wantGo:    []string{"env GOVERSION", "env GOMODCACHE", "env GOCACHE", "install .", "env GOBIN"},
		},
		{
			name:      "a commit SHA ref: built from source with the commit stamped",
			ref:       sha,
			wantFrom:  "source",
			wantSteps: sourceSteps,
			wantGo:    []string{"env GOVERSION", "env GOMODCACHE", "env GOCACHE", "install -ldflags -X github.com/mlabctl/mlabctl/internal/buildinfo.commit=" + sha + " .", "env GOBIN"},
		},
		{
			name:      "no ref known (uses: ./): built from source, Go already set up",
			inputs:    map[string]string{"setup-go": "false"},
			wantFrom:  "source",
			wantSteps: []string{"release", "go-cache", "cache", "build", "run"},
			wantLog:   []string{"no version given and the action's ref is unknown"},
			wantGo:    []string{"env GOVERSION", "env GOMODCACHE", "env GOCACHE", "install .", "env GOBIN"},
		},
		{
			name:         "a release without this platform: built from source",
			release:      &release{tag: "v1.2.3", platforms: [][2]string{{"windows", "amd64"}}},
			ref:          "v1.2.3",
			wantFrom:     "source",
			wantSteps:    sourceSteps,
			wantLog:      []string{"the release v1.2.3 has no binary for linux/ARCH (mlabctl_1.2.3_linux_ARCH.tar.gz is not in mlabctl_1.2.3_checksums.txt)"},
			wantGo:       []string{"env GOVERSION", "env GOMODCACHE", "env GOCACHE", "install .", "env GOBIN"},
			wantRequests: []string{"v1.2.3/mlabctl_1.2.3_checksums.txt"},
		},
		{
			name:      "a runner architecture without binaries: built from source",
			ref:       "v1.2.3",
			env:       map[string]string{"RUNNER_ARCH": "ARM"},
			wantFrom:  "source",
			wantSteps: sourceSteps,
			wantLog:   []string{"there are no release binaries for the runner architecture ARM"},
			wantGo:    []string{"env GOVERSION", "env GOMODCACHE", "env GOCACHE", "install .", "env GOBIN"},
		},
		{
			name:         "an explicit version without a release is an error, not another build",
			inputs:       map[string]string{"version": "v9.9.9"},
			ref:          "v1.2.3",
			wantSteps:    []string{"release"},
			wantFailed:   "release",
			wantLog:      []string{"v9.9.9 has no release at ", "the action's own source is v1.2.3, not v9.9.9: set version to a released tag, or leave it out to build v1.2.3"},
			wantRequests: []string{"v9.9.9/mlabctl_9.9.9_checksums.txt"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			host := &fakeRelease{prefix: "/releases", files: map[string][]byte{}, status: tc.status}
			srv := httptest.NewServer(host)
			defer srv.Close()

			r := newActionRun(t)
			r.GitHub["action_ref"] = tc.ref
			r.Inputs["command"] = "plan --detailed-exitcode"
			for k, v := range tc.inputs {
				r.Inputs[k] = v
			}
			r.Env["MLABCTL_TEST_RELEASE_URL"] = srv.URL + host.prefix
			for k, v := range tc.env {
				r.Env[k] = v
			}
			arch := goarchOf[r.Env["RUNNER_ARCH"]]
			if arch == "" {
				arch = "ARCH" // an architecture without binaries
			}
			if tc.release != nil {
				publish(t, host, *tc.release, goosOf[r.Env["RUNNER_OS"]], goarchOf[r.Env["RUNNER_ARCH"]])
			}
			// The expectations say ARCH for this machine's architecture.
			fillArch := func(s string) string { return strings.ReplaceAll(s, "ARCH", arch) }

			r.run()

			if diff := cmp.Diff(tc.wantSteps, r.Ran); diff != "" {
				t.Errorf("steps run (-want +got):\n%s\nlog:\n%s", diff, r.Log)
			}
			if r.Failed != tc.wantFailed {
				t.Errorf("failed step %q, want %q\nlog:\n%s", r.Failed, tc.wantFailed, r.Log)
			}
			for _, part := range tc.wantLog {
				if !strings.Contains(r.Log, fillArch(part)) {
					t.Errorf("the log lacks %q:\n%s", fillArch(part), r.Log)
				}
			}
			var wantGo []string
			for _, c := range tc.wantGo {
				wantGo = append(wantGo, fillArch(c))
			}
			if diff := cmp.Diff(wantGo, readLines(t, r.GoLog)); diff != "" {
				t.Errorf("calls of go (-want +got):\n%s", diff)
			}
			var wantReq []string
			for _, p := range tc.wantRequests {
				wantReq = append(wantReq, host.prefix+"/"+fillArch(p))
			}
			if diff := cmp.Diff(wantReq, host.paths()); tc.wantRequests != nil && diff != "" {
				t.Errorf("requests to the release host (-want +got):\n%s", diff)
			}
			if tc.wantRequests == nil && tc.release == nil && len(host.paths()) > 0 && !strings.Contains(r.Log, "has no release at") {
				t.Errorf("requests %v, want none", host.paths())
			}

			from, path := r.output("installed-from"), r.output("path")
			if from != tc.wantFrom {
				t.Errorf("installed-from = %q, want %q", from, tc.wantFrom)
			}
			switch tc.wantFrom {
			case "release":
				checkInstalledRelease(t, r, path)
			case "source":
				if want := filepath.Join(r.GoBin, "mlabctl"); path != want {
					t.Errorf("path = %q, want the built %q", path, want)
				}
				if diff := cmp.Diff([]string{r.GoBin}, readLines(t, r.PathFile)); diff != "" {
					t.Errorf("GITHUB_PATH (-want +got):\n%s", diff)
				}
				checkSourceBuildSteps(t, r)
			default: // failed: nothing installed, nothing left behind
				if path != "" {
					t.Errorf("path = %q after a failure", path)
				}
				if lines := readLines(t, r.PathFile); len(lines) > 0 {
					t.Errorf("GITHUB_PATH = %v after a failure", lines)
				}
				if diff := cmp.Diff([]string{}, entries(t, r.Temp)); diff != "" {
					t.Errorf("RUNNER_TEMP after a failure (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// checkInstalledRelease checks what a release install leaves: the binary
// in a directory of its own on GITHUB_PATH, the run step having run it,
// no download left in RUNNER_TEMP.
func checkInstalledRelease(t *testing.T, r *actionRun, path string) {
	t.Helper()
	dir := filepath.Dir(path)
	if diff := cmp.Diff([]string{dir}, readLines(t, r.PathFile)); diff != "" {
		t.Errorf("GITHUB_PATH (-want +got):\n%s", diff)
	}
	if filepath.Dir(dir) != r.Temp {
		t.Errorf("installed at %s, want a directory of RUNNER_TEMP", path)
	}
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		t.Errorf("%s is not an executable file: %v, %v", path, fi, err)
	}
	// The install directory and the run step's argument file; the download
	// directory is gone.
	if diff := cmp.Diff([]string{"mlabctl-args", filepath.Base(dir)}, entries(t, r.Temp)); diff != "" {
		t.Errorf("RUNNER_TEMP (-want +got):\n%s", diff)
	}
	if got := r.Outputs["run"]["exit-code"]; got != "0" {
		t.Errorf("run step exit-code = %q, want 0", got)
	}
}

// checkSourceBuildSteps checks the uses: steps of the source build: Go set
// up from the action's go.mod without setup-go's cache (it cannot see the
// action's go.sum), and actions/cache given Go's own directories under a
// key of the OS, architecture, Go version and go.sum.
func checkSourceBuildSteps(t *testing.T, r *actionRun) {
	t.Helper()
	for uses, with := range r.Used {
		switch {
		case strings.HasPrefix(uses, "actions/setup-go@"):
			if want := filepath.Join(mustAbs(t, repoRoot), "go.mod"); filepath.Clean(with["go-version-file"]) != want || with["cache"] != "false" {
				t.Errorf("setup-go with %v, want go-version-file %s and cache false", with, want)
			}
		case strings.HasPrefix(uses, "actions/cache@"):
			// What the stub go answers for GOMODCACHE and GOCACHE.
			if want := r.GoBin + "/../pkg/mod\n" + r.GoBin + "/../cache"; with["path"] != want {
				t.Errorf("cache paths %q, want %q", with["path"], want)
			}
			prefix := fmt.Sprintf("mlabctl-go-%s-%s-go1.26.8-", r.Env["RUNNER_OS"], r.Env["RUNNER_ARCH"])
			if sum := strings.TrimPrefix(with["key"], prefix); sum == with["key"] || len(sum) != 40 {
				t.Errorf("cache key %q, want %s<git hash of go.sum>", with["key"], prefix)
			}
		default:
			t.Errorf("unexpected uses: %s", uses)
		}
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// TestActionDefaultReleaseHost runs the release step without the test
// override: the URL is GITHUB_SERVER_URL/REPOSITORY/releases/download/TAG,
// over https only (a TLS test server, trusted through CURL_CA_BUNDLE).
func TestActionDefaultReleaseHost(t *testing.T) {
	host := &fakeRelease{prefix: "/acme/mlabctl-fork/releases/download", files: map[string][]byte{}}
	srv := httptest.NewTLSServer(host)
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}

	r := newActionRun(t)
	r.GitHub["action_ref"] = "v2.0.0"
	r.GitHub["action_repository"] = "acme/mlabctl-fork"
	r.Env["GITHUB_SERVER_URL"] = srv.URL
	r.Env["CURL_CA_BUNDLE"] = ca
	a := publish(t, host, release{tag: "v2.0.0", platforms: allPlatforms}, "linux", goarchOf[r.Env["RUNNER_ARCH"]])
	r.run()
	if r.Failed != "" || r.output("installed-from") != "release" {
		t.Fatalf("failed step %q, installed-from %q\n%s", r.Failed, r.output("installed-from"), r.Log)
	}
	want := []string{host.prefix + "/v2.0.0/" + a.Checksums, host.prefix + "/v2.0.0/" + a.Archive}
	if diff := cmp.Diff(want, host.paths()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}

	// Plain http is refused on the real host.
	plain := httptest.NewServer(host)
	defer plain.Close()
	r = newActionRun(t)
	r.GitHub["action_ref"] = "v2.0.0"
	r.GitHub["action_repository"] = "acme/mlabctl-fork"
	r.Env["GITHUB_SERVER_URL"] = plain.URL
	r.run()
	if r.Failed != "release" || !strings.Contains(r.Log, "Protocol \"http\" not supported") {
		t.Errorf("an http release host: failed step %q, log:\n%s", r.Failed, r.Log)
	}
}
