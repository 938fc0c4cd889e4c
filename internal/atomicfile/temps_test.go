package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestLeftoversOfAKilledWriter: the temporary files a killed writer left
// are never read in place of the file, and the next Write removes those old
// enough to belong to no live writer, and nothing else.
func TestLeftoversOfAKilledWriter(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secrets.json")
	writeFile := func(name, content string, age time.Duration) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		when := time.Now().Add(-age)
		if err := os.Chtimes(p, when, when); err != nil {
			t.Fatal(err)
		}
	}
	writeFile("secrets.json", "old", time.Hour)
	writeFile(".secrets.json.tmp-1234", "half of a killed write", time.Hour)             // stale: removed
	writeFile(".secrets.json.tmp-5678", "a live writer's", time.Minute)                  // fresh: kept
	writeFile(".secrets.json.tmp-notes", "not ours: not digits", time.Hour)              // kept
	writeFile(".other.json.tmp-1234", "another file's", time.Hour)                       // kept
	writeFile("secrets.json.tmp-1234", "not hidden: not ours", time.Hour)                // kept
	if err := os.Mkdir(filepath.Join(dir, ".secrets.json.tmp-999"), 0o700); err != nil { // not a file: kept
		t.Fatal(err)
	}

	if got, err := ReadFile(path); err != nil || string(got) != "old" {
		t.Fatalf("ReadFile = %q, %v; want the file itself, not a leftover", got, err)
	}
	if err := Write(path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	want := []string{".other.json.tmp-1234", ".secrets.json.tmp-5678", ".secrets.json.tmp-999", ".secrets.json.tmp-notes", "secrets.json", "secrets.json.tmp-1234"}
	if diff := cmp.Diff(want, names(t, dir)); diff != "" {
		t.Errorf("directory after Write (-want +got):\n%s", diff)
	}
	if got, err := ReadFile(path); err != nil || string(got) != "new" {
		t.Errorf("ReadFile = %q, %v; want %q", got, err, "new")
	}
}

// TestConcurrentWrites: writers racing on one path each replace it whole;
// the file ends as one of them wrote it and no temporary file stays.
func TestConcurrentWrites(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plan")
	const writers = 8
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = Write(path, []byte(fmt.Sprintf("writer %d\n", i)), 0o600)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", i, err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ok bool
	for i := range writers {
		ok = ok || string(got) == fmt.Sprintf("writer %d\n", i)
	}
	if !ok {
		t.Errorf("content %q is no writer's", got)
	}
	if diff := cmp.Diff([]string{"plan"}, names(t, dir)); diff != "" {
		t.Errorf("directory (-want +got):\n%s", diff)
	}
}

// TestCheckUnwritableDirectory: Check probes that a file can be created
// where Write will create one, and leaves no probe behind.
func TestCheckUnwritableDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root may create files in a read-only directory")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	path := filepath.Join(dir, "token")
	err := Check(path)
	if err == nil {
		t.Fatal("Check accepted a read-only directory")
	}
	if want := fmt.Sprintf("writing %q: cannot create files in %q: permission denied", path, dir); err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

// TestCheckLeavesNothing: a successful Check creates nothing.
func TestCheckLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	if err := Check(filepath.Join(dir, "token")); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{}, names(t, dir)); diff != "" {
		t.Errorf("directory after Check (-want +got):\n%s", diff)
	}
}

// TestCheckMissingDirectory: a path in a directory that does not exist is
// refused by Check, naming both, as Write would refuse it.
func TestCheckMissingDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "no", "such")
	path := filepath.Join(dir, "token")
	want := fmt.Sprintf("writing %q: cannot create files in %q: ", path, dir)
	for what, err := range map[string]error{"Check": Check(path), "Write": Write(path, []byte("x"), 0o600)} {
		if err == nil || !strings.HasPrefix(err.Error(), want) || !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: error %v, want one starting %q and matching fs.ErrNotExist", what, err, want)
		}
	}
}
