package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMergeSecret(t *testing.T) {
	for _, tc := range []struct {
		name    string
		before  *string
		want    map[string]string
		wantErr string
	}{
		{name: "new file", want: map[string]string{"default": "v"}},
		{name: "keeps other keys", before: authPtr(`{"ci": "c", "default": "old"}`), want: map[string]string{"ci": "c", "default": "v"}},
		{name: "empty file", before: authPtr(""), want: map[string]string{"default": "v"}},
		{name: "null", before: authPtr("null"), want: map[string]string{"default": "v"}},
		{name: "not an object", before: authPtr(`["a"]`), wantErr: "not a JSON object"},
		{name: "not JSON", before: authPtr(`ci=abc`), wantErr: "will not overwrite it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "secrets.json")
			if tc.before != nil {
				if err := os.WriteFile(path, []byte(*tc.before), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := mergeSecret(path, "default", "v")
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
			b := checkSecretFile(t, path, "")
			var got map[string]string
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzMergeSecret checks that whatever an existing secrets file holds,
// mergeSecret either refuses it untouched or keeps every string entry and
// sets the new one.
func FuzzMergeSecret(f *testing.F) {
	for _, seed := range []string{"", "{}", `{"a":"b"}`, "null", "[]", `{"a":1}`, "{", `{"default":"x","b":"c"}`} {
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
		err := mergeSecret(path, "k", "v")
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

// checkSecretFile checks a file's mode is 0600 and, when want is not empty,
// its content; it returns the content.
func checkSecretFile(t *testing.T, path, want string) []byte {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %o, want 600", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want != "" && string(b) != want {
		t.Errorf("%s holds %q, want %q", path, b, want)
	}
	return b
}

func authPtr[T any](v T) *T { return &v }

func TestCheckSecretDest(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		path    string
		wantErr string
	}{
		{name: "new file", path: filepath.Join(dir, "token")},
		{name: "a directory", path: dir, wantErr: "is a directory"},
		{name: "missing directory", path: filepath.Join(dir, "nope", "token"), wantErr: "cannot create files in"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkSecretDest(tc.path)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("the check left %d files behind", len(entries))
			}
		})
	}
}
