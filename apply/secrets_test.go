package apply

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/remote"
)

func TestSecretsFileModeAndMerge(t *testing.T) {
	tests := []struct {
		name     string
		existing string // "" = no file
		mode     os.FileMode
		save     map[string]string
		want     map[string]string
	}{
		{name: "new file", save: map[string]string{"ci": "k1"}, want: map[string]string{"ci": "k1"}},
		{name: "earlier entries survive", existing: `{"old": "k0"}`, mode: 0o600, save: map[string]string{"ci": "k1", "staging": "k2"}, want: map[string]string{"old": "k0", "ci": "k1", "staging": "k2"}},
		{name: "a wide mode is narrowed", existing: `{"old": "k0"}`, mode: 0o644, save: map[string]string{"ci": "k1"}, want: map[string]string{"old": "k0", "ci": "k1"}},
		{name: "a replaced key overwrites its entry", existing: `{"ci": "k0"}`, mode: 0o600, save: map[string]string{"ci": "k1"}, want: map[string]string{"ci": "k1"}},
		{name: "an empty file is an empty object", existing: "\n", mode: 0o600, save: map[string]string{"ci": "k1"}, want: map[string]string{"ci": "k1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "secrets.json")
			if tt.existing != "" {
				if err := os.WriteFile(path, []byte(tt.existing), tt.mode); err != nil {
					t.Fatal(err)
				}
				os.Chmod(path, tt.mode) // umask may have narrowed it
			}
			f := NewSecretsFile(path)
			if err := f.Check(); err != nil {
				t.Fatalf("Check: %v", err)
			}
			for n, k := range tt.save {
				if err := f.Save(n, remote.Secret(k)); err != nil {
					t.Fatalf("Save: %v", err)
				}
			}
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600", st.Mode().Perm())
			}
			got := readSecrets(t, path)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("content (-want +got):\n%s", diff)
			}
			entries, _ := os.ReadDir(filepath.Dir(path))
			if len(entries) != 1 {
				t.Errorf("temporary files left behind: %v", entries)
			}
		})
	}
}

func TestSecretsFileConcurrentSaves(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	f := NewSecretsFile(path)
	var wg sync.WaitGroup
	want := map[string]string{}
	for i := 0; i < 20; i++ {
		n := string(rune('a' + i))
		want[n] = "key-" + n
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f.Save(n, remote.Secret("key-"+n)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if diff := cmp.Diff(want, readSecrets(t, path)); diff != "" {
		t.Errorf("content (-want +got):\n%s", diff)
	}
}

// TestSecretsFileSavesFromTwoWriters is two processes (two applies, or an
// apply and `auth verify-email`) saving into one --secrets-out file: each
// SecretsFile has its own mutex, so only the file lock keeps one's
// read-merge-write from dropping the other's entries.
func TestSecretsFileSavesFromTwoWriters(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no file lock here: see secrets_lock_other.go")
	}
	const perWriter = 150
	path := filepath.Join(t.TempDir(), "s.json")
	want := map[string]string{}
	var wg sync.WaitGroup
	for w := range 2 {
		f := NewSecretsFile(path) // independent, as in another process
		names := make([]string, perWriter)
		for i := range names {
			names[i] = fmt.Sprintf("w%d-%03d", w, i)
			want[names[i]] = "key-" + names[i]
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, n := range names {
				if err := f.Save(n, remote.Secret("key-"+n)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if diff := cmp.Diff(want, readSecrets(t, path)); diff != "" {
		t.Errorf("entries lost (-want +got):\n%s", diff)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("files left next to the secrets: %v", entries)
	}
}

// TestSecretsFileSavesFromTwoProcesses runs two copies of this test binary
// as writers (see secretsWriter) saving into one file at once.
func TestSecretsFileSavesFromTwoProcesses(t *testing.T) {
	if os.Getenv(secretsWriterEnv) != "" {
		secretsWriter(t)
		return
	}
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no file lock here: see secrets_lock_other.go")
	}
	path := filepath.Join(t.TempDir(), "s.json")
	want := map[string]string{}
	var cmds []*exec.Cmd
	for w := range 2 {
		for i := range secretsPerWriter {
			n := fmt.Sprintf("p%d-%03d", w, i)
			want[n] = "key-" + n
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestSecretsFileSavesFromTwoProcesses$")
		cmd.Env = append(os.Environ(), secretsWriterEnv+"="+fmt.Sprintf("p%d", w)+":"+path)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("writer output:\n%s", out.String())
			}
		})
		cmds = append(cmds, cmd)
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Errorf("writer: %v", err)
		}
	}
	if diff := cmp.Diff(want, readSecrets(t, path)); diff != "" {
		t.Errorf("entries lost (-want +got):\n%s", diff)
	}
}

// secretsWriterEnv, set to "PREFIX:PATH", makes this test binary a writer
// of TestSecretsFileSavesFromTwoProcesses.
const (
	secretsWriterEnv = "MLABCTL_TEST_SECRETS_WRITER"
	secretsPerWriter = 100
)

// secretsWriter saves secretsPerWriter entries named PREFIX-NNN, one Save
// at a time, as a separate process would.
func secretsWriter(t *testing.T) {
	prefix, path, _ := strings.Cut(os.Getenv(secretsWriterEnv), ":")
	f := NewSecretsFile(path)
	for i := range secretsPerWriter {
		n := fmt.Sprintf("%s-%03d", prefix, i)
		if err := f.Save(n, remote.Secret("key-"+n)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSecretsFileRejectsGarbageWithoutQuotingIt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	const garbage = `["sk-very-secret"]`
	if err := os.WriteFile(path, []byte(garbage), 0o600); err != nil {
		t.Fatal(err)
	}
	err := NewSecretsFile(path).Check()
	if err == nil {
		t.Fatal("Check accepted a JSON array")
	}
	if strings.Contains(err.Error(), "sk-very-secret") {
		t.Errorf("the error quotes the file's content: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != garbage {
		t.Errorf("the file was changed to %q", b)
	}
}

func TestSecretsFileUnwritableDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes anywhere")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o500)
	defer os.Chmod(dir, 0o700)
	if err := NewSecretsFile(filepath.Join(dir, "s.json")).Check(); err == nil {
		t.Fatal("Check passed in a read-only directory")
	}
}

// TestSecretsFileSave is the merge `auth verify-email --secrets-out` relies
// on: whatever a usable file holds survives, and a file that is not a JSON
// object of strings is refused and left untouched.
func TestSecretsFileSave(t *testing.T) {
	for _, tc := range []struct {
		name    string
		before  *string // nil: no file
		want    map[string]string
		wantErr string
	}{
		{name: "new file", want: map[string]string{"default": "v"}},
		{name: "keeps other keys", before: ptr(`{"ci": "c", "default": "old"}`), want: map[string]string{"ci": "c", "default": "v"}},
		{name: "empty file", before: ptr(""), want: map[string]string{"default": "v"}},
		{name: "null", before: ptr("null"), want: map[string]string{"default": "v"}},
		{name: "not an object", before: ptr(`["a"]`), wantErr: "not a JSON object"},
		{name: "not JSON", before: ptr(`ci=abc`), wantErr: "will not overwrite it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "secrets.json")
			if tc.before != nil {
				if err := os.WriteFile(path, []byte(*tc.before), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			f := NewSecretsFile(path)
			if err := f.CheckMergeable(); (err == nil) != (tc.wantErr == "") {
				t.Errorf("CheckMergeable: %v, want an error: %t", err, tc.wantErr != "")
			}
			err := f.Save("default", remote.Secret("v"))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				if b, _ := os.ReadFile(path); string(b) != *tc.before {
					t.Errorf("the refused file was changed to %q", b)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600", fi.Mode().Perm())
			}
			if diff := cmp.Diff(tc.want, readSecrets(t, path)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzSecretsFileSave checks that whatever an existing secrets file holds,
// Save either refuses it untouched or keeps every string entry and sets the
// new one.
func FuzzSecretsFileSave(f *testing.F) {
	for _, seed := range []string{"", "{}", `{"a":"b"}`, "null", "[]", `{"a":1}`, "{", `{"default":"x","b":"c"}`, " \n"} {
		f.Add(seed)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, before string) {
		path := filepath.Join(dir, "secrets.json")
		if err := os.WriteFile(path, []byte(before), 0o600); err != nil {
			t.Fatal(err)
		}
		var old map[string]string
		oldErr := json.Unmarshal([]byte(before), &old)
		err := NewSecretsFile(path).Save("k", remote.Secret("v"))
		b, _ := os.ReadFile(path)
		if err != nil {
			if string(b) != before {
				t.Fatalf("a refused file was rewritten")
			}
			return
		}
		var got map[string]string
		if jerr := json.Unmarshal(b, &got); jerr != nil {
			t.Fatalf("wrote invalid JSON: %v", jerr)
		}
		if got["k"] != "v" {
			t.Fatalf("k = %q", got["k"])
		}
		if oldErr == nil {
			for name, v := range old {
				if name != "k" && got[name] != v {
					t.Fatalf("lost entry %q", name)
				}
			}
		}
	})
}

func ptr[T any](v T) *T { return &v }

func readSecrets(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}
