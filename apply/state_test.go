package apply

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStateRoot(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name             string
		secretsOut, flag string
		xdg              string
		want             string
	}{
		{name: "flag wins", secretsOut: "/tmp/x/secrets.json", flag: "/var/state", xdg: "/xdg", want: "/var/state"},
		{name: "relative flag is made absolute", flag: "st", want: filepath.Join(wd, "st")},
		{name: "beside the secrets file", secretsOut: "/run/ci/secrets.json", xdg: "/xdg", want: "/run/ci/.mlabctl-state"},
		{name: "beside a relative secrets file", secretsOut: "out/s.json", want: filepath.Join(wd, "out", ".mlabctl-state")},
		{name: "XDG_STATE_HOME", xdg: "/xdg", want: "/xdg/mlabctl"},
		{name: "a relative XDG_STATE_HOME is ignored", xdg: "rel", want: filepath.Join(home, ".local", "state", "mlabctl")},
		{name: "home", want: filepath.Join(home, ".local", "state", "mlabctl")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("XDG_STATE_HOME", tt.xdg)
			got, err := StateRoot(tt.secretsOut, tt.flag)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("StateRoot(%q, %q) = %q, want %q", tt.secretsOut, tt.flag, got, tt.want)
			}
		})
	}
}

func TestAccountStateDir(t *testing.T) {
	root := "/state"
	base := AccountStateDir(root, "https://modelslab.com", "alice")
	tests := []struct {
		name         string
		url, account string
		same         bool
	}{
		{name: "trailing slash", url: "https://modelslab.com/", account: "alice", same: true},
		{name: "case of scheme and host", url: "HTTPS://ModelsLab.com", account: "alice", same: true},
		{name: "the API prefix", url: "https://modelslab.com/api/agents/v1", account: "alice", same: true},
		{name: "another account", url: "https://modelslab.com", account: "bob", same: false},
		{name: "an account differing in case", url: "https://modelslab.com", account: "Alice", same: false},
		{name: "another API", url: "http://127.0.0.1:8080", account: "alice", same: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AccountStateDir(root, tt.url, tt.account)
			if (got == base) != tt.same {
				t.Errorf("AccountStateDir(%q, %q) = %q; the dir of https://modelslab.com alice is %q; same want %v", tt.url, tt.account, got, base, tt.same)
			}
			if filepath.Dir(got) != root {
				t.Errorf("AccountStateDir = %q, not directly under %q", got, root)
			}
		})
	}
	for _, account := range []string{"../../etc", "..", ".hidden", "a/b", "émile", strings.Repeat("x", 200), ""} {
		name := filepath.Base(AccountStateDir(root, "https://modelslab.com", account))
		if strings.HasPrefix(name, ".") || strings.ContainsAny(name, "/\\") || len(name) > 48 {
			t.Errorf("account %q: directory name %q is not a plain short name", account, name)
		}
	}
}

func TestMakeAccountStateDir(t *testing.T) {
	root := filepath.Join(t.TempDir(), "state")
	dir, err := MakeAccountStateDir(root, "http://127.0.0.1:9/", "team-a")
	if err != nil {
		t.Fatal(err)
	}
	if dir != AccountStateDir(root, "http://127.0.0.1:9", "team-a") {
		t.Errorf("made %q, AccountStateDir says %q", dir, AccountStateDir(root, "http://127.0.0.1:9", "team-a"))
	}
	for _, d := range []string{root, dir} {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o700 {
			t.Errorf("%s has mode %v, want 0700", d, fi.Mode().Perm())
		}
	}
	rec, err := ReadAccountRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rec.BaseURL != "http://127.0.0.1:9" || rec.Account != "team-a" || rec.Created == "" {
		t.Errorf("account.json = %+v", rec)
	}
	if b, err := os.ReadFile(filepath.Join(root, ".gitignore")); err != nil || !strings.Contains(string(b), "*") {
		t.Errorf(".gitignore of the root: %q, %v", b, err)
	}
	// Again: nothing changes, a widened account dir is tightened.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	again, err := MakeAccountStateDir(root, "http://127.0.0.1:9", "team-a")
	if err != nil || again != dir {
		t.Fatalf("second MakeAccountStateDir = %q, %v", again, err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("existing dir left at %v", fi.Mode().Perm())
	}
	if rec2, _ := ReadAccountRecord(dir); rec2 != rec {
		t.Errorf("account.json rewritten: %+v, was %+v", rec2, rec)
	}
}

func TestMakeAccountStateDirLeavesAnExistingRoot(t *testing.T) {
	root := t.TempDir()
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := MakeAccountStateDir(root, "https://modelslab.com", "alice"); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(root); fi.Mode().Perm() != 0o755 {
		t.Errorf("the user's root became %v", fi.Mode().Perm())
	}
	if _, err := os.Stat(filepath.Join(root, ".gitignore")); err == nil {
		t.Error("a .gitignore was written into a directory apply did not create")
	}
}

func TestMakeAccountStateDirRefusesAFile(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(AccountStateDir(root, "https://modelslab.com", "alice"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := MakeAccountStateDir(root, "https://modelslab.com", "alice"); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("err = %v, want a refusal of the file", err)
	}
}
