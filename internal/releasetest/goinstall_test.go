package releasetest

import (
	"archive/zip"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestGoInstallAtVersion runs `go install github.com/mlabctl/mlabctl@v1.99.0`
// as a user following the README would, from a module proxy in a temporary
// directory that serves this checkout as v1.99.0 (and every dependency from
// the machine's module cache, so nothing is downloaded): the installed
// binary's `mlabctl version` must report v1.99.0, the module version, not
// dev. -trimpath and CGO_ENABLED=0 (as the release build) let it reuse the
// snapshot build's compiled packages.
func TestGoInstallAtVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds mlabctl; skipped with -short")
	}
	if runtime.GOOS == "windows" {
		t.Skip("file:// module proxy paths are Unix paths here")
	}
	requireTool(t, "git")
	const module, version = "github.com/mlabctl/mlabctl", "v1.99.0" // v2+ would need a /v2 module path

	ls := exec.Command("git", "ls-files", "--cached", "--others", "--exclude-standard")
	ls.Dir = repoRoot
	listed, err := ls.Output()
	if err != nil {
		t.Skipf("not a git checkout (%v): cannot tell the module's files", err)
	}
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	for _, name := range strings.Split(strings.TrimSpace(string(listed)), "\n") {
		data, err := os.ReadFile(filepath.Join(repoRoot, name))
		if os.IsNotExist(err) {
			continue // deleted in the working tree
		}
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(module + "@" + version + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}

	proxy := t.TempDir()
	at := filepath.Join(proxy, module, "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"list":            []byte(version + "\n"),
		version + ".info": []byte(`{"Version":"` + version + `","Time":"2026-12-01T00:00:00Z"}`),
		version + ".mod":  gomod,
		version + ".zip":  zipped.Bytes(),
	} {
		if err := os.WriteFile(filepath.Join(at, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	realCache, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	modcache, gobin := t.TempDir(), t.TempDir()
	env := append(os.Environ(),
		"GOPROXY=file://"+proxy+",file://"+filepath.Join(strings.TrimSpace(string(realCache)), "cache", "download"),
		"GOMODCACHE="+modcache,
		"GOSUMDB=off", // offline: the fake version is in no checksum database, and the dependencies come from this machine's verified cache
		"GOFLAGS=-trimpath",
		"CGO_ENABLED=0",
		"GOBIN="+gobin,
		"GOTOOLCHAIN=local",
	)
	t.Cleanup(func() { // the module cache is read-only; go knows how to remove it
		clean := exec.Command("go", "clean", "-modcache")
		clean.Env = env
		clean.Run()
	})
	install := exec.Command("go", "install", module+"@"+version)
	install.Dir = t.TempDir() // outside any module, as a user runs it
	install.Env = env
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("go install %s@%s: %v\n%s", module, version, err, out)
	}
	out, err := exec.Command(filepath.Join(gobin, "mlabctl"), "version").Output()
	if err != nil {
		t.Fatalf("mlabctl version: %v", err)
	}
	if first, _, _ := strings.Cut(string(out), "\n"); first != "mlabctl "+version {
		t.Errorf("mlabctl version says %q, want %q", first, "mlabctl "+version)
	}
}
