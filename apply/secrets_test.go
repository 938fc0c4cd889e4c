package apply

import (
	"encoding/json"
	"os"
	"path/filepath"
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
