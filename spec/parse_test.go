package spec

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// valuesOnly compares Specs by value: positions, FieldPos and the file's
// identity are pinned by the valid corpus goldens instead.
var valuesOnly = cmp.Options{
	cmpopts.IgnoreTypes(Pos{}),
	cmpopts.IgnoreFields(Spec{}, "Path", "Hash", "Source"),
	cmpopts.IgnoreFields(Profile{}, "FieldPos"),
	cmpopts.IgnoreFields(Socials{}, "FieldPos"),
	cmpopts.IgnoreFields(Preferences{}, "FieldPos"),
}

// messages returns the printed diagnostics of err, or fails the test.
func messages(t *testing.T, err error) []string {
	t.Helper()
	var diags Diagnostics
	if !errors.As(err, &diags) {
		t.Fatalf("error %T %v, want Diagnostics", err, err)
	}
	var out []string
	for _, d := range diags {
		out = append(out, d.String())
	}
	return out
}

func TestParseDiagnostics(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{
			name: "unknown top-level field suggests the closest",
			src:  "version: 1\napi_key: []\n",
			want: []string{`f.yaml:2:1: api_key: unknown field: did you mean "api_keys"?`},
		},
		{
			name: "duplicate email cites the first",
			src:  "version: 1\nteam:\n  - email: a@example.com\n  - email: A@EXAMPLE.com\n",
			want: []string{`f.yaml:4:12: team[1].email: duplicate member "A@EXAMPLE.com": first defined at f.yaml:3:12; emails compare case-insensitively, so each member may appear once`},
		},
		{
			name: "problems of every stage are collected together",
			src:  "version: 1\napi_keys:\n  - {name: a, rotate_after: 1y}\n  - {name: a}\nteem: []\n",
			want: []string{
				`f.yaml:3:29: api_keys[0].rotate_after: "1y" is not a duration: use <n>h, <n>d or <n>w, e.g. 90d`,
				`f.yaml:4:12: api_keys[1].name: duplicate API key name "a": first defined at f.yaml:3:12; names identify keys, so each may appear once`,
				`f.yaml:5:1: teem: unknown field: did you mean "team"?`,
			},
		},
		{
			name: "a value the schema rejects is reported once",
			src:  "version: 1\npolicy: {resend_invites_after: 0h}\n",
			want: []string{`f.yaml:2:32: policy.resend_invites_after: "0h" is not a duration: use <n>h, <n>d or <n>w, e.g. 90d`},
		},
		{
			name: "an aliased duplicate key is reported once",
			src:  "version: 1\nx: &p {name: a, name: b}\n",
			want: []string{
				`f.yaml:2:1: x: unknown field: the top level takes access_tokens, account, api_keys, ignore, policy, preferences, profile, socials, team and version`,
				`f.yaml:2:17: x.name: duplicate key "name": first defined at f.yaml:2:8; YAML keeps only one, so remove one of them`,
			},
		},
		{
			name: "an entry repeated by an alias is a duplicate at the alias",
			src:  "version: 1\napi_keys:\n  - &k {name: a}\n  - *k\n",
			want: []string{`f.yaml:4:5: api_keys[1]: duplicate API key name "a": first defined at f.yaml:3:15; names identify keys, so each may appear once`},
		},
		{
			name: "emails fold like strings.EqualFold",
			src:  "version: 1\nteam:\n  - email: \u212a@example.com\n  - email: k@example.com\n",
			want: []string{`f.yaml:4:12: team[1].email: duplicate member "k@example.com": first defined at f.yaml:3:12; emails compare case-insensitively, so each member may appear once`},
		},
		{
			name: "nan is not a number",
			src:  "version: 1\npreferences: {wallet_notification_threshold: .nan}\n",
			want: []string{`f.yaml:2:46: preferences.wallet_notification_threshold: .nan is not a finite number`},
		},
		{
			name: "a number too large for a float is out of range, not a string",
			src:  "version: 1\npreferences: {wallet_notification_threshold: 1e400}\n",
			want: []string{`f.yaml:2:46: preferences.wallet_notification_threshold: 1e400 is out of range: not a finite number`},
		},
		{
			name: "a quoted huge number is still a string",
			src:  "version: 1\npreferences: {wallet_notification_threshold: \"1e400\"}\n",
			want: []string{`f.yaml:2:46: preferences.wallet_notification_threshold: must be a number, got "1e400"`},
		},
		{
			name: "a self-referencing merge is refused",
			src:  "version: 1\nprofile: &p\n  <<: *p\n",
			want: []string{`f.yaml:3:7: alias *p refers to the node that contains it: a YAML alias must name a node defined before it and outside it`},
		},
		{
			name: "a trailing document marker is a second document",
			src:  "version: 1\n---\n",
			want: []string{`f.yaml:2:1: more than one YAML document in the file: mlabctl reads exactly one; remove this "---" and what follows, or move it to another file`},
		},
		{
			name: "syntax error on the first line",
			src:  "version: 1: 2\n",
			want: []string{`f.yaml:1:11: YAML syntax error: mapping values are not allowed in this context: quote a value that contains ": "`},
		},
		{
			name: "parser errors are given their 1-based line",
			src:  "version: 1\napi_keys:\n  - name: a\n - name: b\n",
			want: []string{`f.yaml:4:1: YAML syntax error: did not find expected key: check the indentation of this line and the one before`},
		},
		{
			name: "invalid UTF-8 is located by character",
			src:  "version: 1\nprofile: {name: \"é\xc3\"}\n",
			want: []string{`f.yaml:2:19: invalid UTF-8 (byte 0xc3): save the file as UTF-8`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("f.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("Parse = %+v, want diagnostics", s)
			}
			if diff := cmp.Diff(tt.want, messages(t, err)); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseValues(t *testing.T) {
	str := func(s string) *string { return &s }
	tests := []struct {
		name string
		src  string
		want *Spec
	}{
		{
			name: "absent sections are unmanaged and policy has its defaults",
			src:  "version: 1\n",
			want: &Spec{Version: 1, Policy: Policy{MaxDeletePercent: 25}},
		},
		{
			name: "role defaults to member; durations parse",
			src:  "version: 1\nteam: [{email: a@example.com}]\napi_keys: [{name: ci, rotate_after: 2w}]\npolicy: {resend_invites_after: 36h}\n",
			want: &Spec{
				Version:    1,
				APIKeysSet: true,
				APIKeys:    []APIKey{{Name: "ci", RotateAfter: 14 * 24 * time.Hour, RotateAfterText: "2w"}},
				TeamSet:    true,
				Team:       []Member{{Email: "a@example.com", Role: "member"}},
				Policy:     Policy{MaxDeletePercent: 25, ResendInvitesAfter: 36 * time.Hour, ResendInvitesAfterText: "36h"},
			},
		},
		{
			name: "merge keys: explicit fields win over merged ones",
			src:  "version: 1\napi_keys:\n  - &a {name: a, notes: shared, protect: true}\n  - {<<: *a, name: b, protect: false}\n",
			want: &Spec{
				Version:    1,
				APIKeysSet: true,
				APIKeys: []APIKey{
					{Name: "a", Notes: str("shared"), Protect: true},
					{Name: "b", Notes: str("shared")},
				},
				Policy: Policy{MaxDeletePercent: 25},
			},
		},
		{
			name: "empty lists are present and authoritative",
			src:  "version: 1\napi_keys: []\nteam: []\naccess_tokens: {keep: []}\n",
			want: &Spec{Version: 1, APIKeysSet: true, APIKeys: []APIKey{}, TeamSet: true, Team: []Member{}, AccessTokens: &AccessTokens{Keep: []string{}}, Policy: Policy{MaxDeletePercent: 25}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse("f.yaml", []byte(tt.src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, valuesOnly); diff != "" {
				t.Errorf("spec (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseIdentity(t *testing.T) {
	data := []byte("version: 1\n")
	s, err := Parse("dir/modelslab.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if s.Path != "dir/modelslab.yaml" {
		t.Errorf("Path = %q, want the name as given", s.Path)
	}
	if want := hex.EncodeToString(sum[:]); s.Hash != want {
		t.Errorf("Hash = %q, want the hex SHA-256 of the bytes, %q", s.Hash, want)
	}
	if string(s.Source) != string(data) {
		t.Errorf("Source = %q, want the bytes as given, %q", s.Source, data)
	}
	s2, _ := Parse("other.yaml", []byte("version: 1 \n"))
	if s2.Hash == s.Hash {
		t.Errorf("different bytes hash the same: %q", s.Hash)
	}
}

func TestSizeCap(t *testing.T) {
	big := bytes.Repeat([]byte("# padding padding padding padding\n"), MaxFileSize/34+1)
	big = append([]byte("version: 1\n"), big...)
	_, err := Parse("big.yaml", big)
	want := []string{"big.yaml:1:1: file is larger than 4 MiB: modelslab.yaml describes one account and is never this big; check that -f names the right file"}
	if diff := cmp.Diff(want, messages(t, err)); diff != "" {
		t.Errorf("Parse (-want +got):\n%s", diff)
	}

	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, big, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(path)
	if got := messages(t, err); len(got) != 1 || !strings.Contains(got[0], "larger than 4 MiB") {
		t.Errorf("Load of a %d-byte file = %q, want the size diagnostic", len(big), got)
	}
}

func TestLoadUnreadable(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, path, want string
	}{
		{"missing file", filepath.Join(dir, "nope.yaml"), "no such file"},
		{"directory", dir, "is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.path)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			var diags Diagnostics
			if errors.As(err, &diags) {
				t.Fatalf("Load error is Diagnostics %q, want a plain error", err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) {
				t.Errorf("Load error %q does not say %q about %q", err, tt.want, tt.path)
			}
		})
	}
}

// TestOpenErrorNamesThePathOnce: a file mlabctl may not read is reported
// in plain words with a hint, naming the path once (an *fs.PathError's text
// would name it again). Built by hand, since the tests may run as root,
// whom no file mode stops.
func TestOpenErrorNamesThePathOnce(t *testing.T) {
	path := "accounts/acme/modelslab.yaml"
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"permission denied", &fs.PathError{Op: "open", Path: path, Err: syscall.EACCES},
			`reading "accounts/acme/modelslab.yaml": permission denied (mlabctl needs to read it: check the file's owner and mode with ls -l, or run as a user who may read it)`},
		{"another error", &fs.PathError{Op: "read", Path: path, Err: syscall.EIO},
			`reading "accounts/acme/modelslab.yaml": input/output error`},
		{"missing", &fs.PathError{Op: "open", Path: path, Err: syscall.ENOENT},
			`reading "accounts/acme/modelslab.yaml": no such file (give another with -f or MODELSLAB_FILE)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := openError(path, tt.err)
			if err.Error() != tt.want {
				t.Errorf("openError = %q, want %q", err, tt.want)
			}
			if tt.name == "permission denied" && !errors.Is(err, fs.ErrPermission) {
				t.Error("the error does not unwrap to fs.ErrPermission")
			}
		})
	}
}

// TestAliasBombRefused builds a bomb of 2^60 nodes: the check must refuse
// it without expanding it (the test would run out of memory otherwise).
func TestAliasBombRefused(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\na0: &a0 [x, x]\n")
	for i := 1; i < 60; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [*a%d, *a%d]\n", i, i, i-1, i-1)
	}
	_, err := Parse("bomb.yaml", []byte(b.String()))
	got := messages(t, err)
	if len(got) != 1 || !strings.Contains(got[0], "expand to more than 10,000 nodes") {
		t.Errorf("diagnostics %q, want one about alias expansion", got)
	}
}

// TestAliasesWithinLimit accepts aliases that add fewer than 10,000 nodes.
func TestAliasesWithinLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\napi_keys:\n  - &k {name: k0, notes: n}\n")
	for i := 1; i < 2000; i++ { // each alias adds 5 nodes: 9,995 in all
		fmt.Fprintf(&b, "  - {<<: *k, name: k%d}\n", i)
	}
	s, err := Parse("aliases.yaml", []byte(b.String()))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(s.APIKeys) != 2000 || s.APIKeys[1999].Notes == nil || *s.APIKeys[1999].Notes != "n" {
		t.Errorf("merged keys not applied: %d keys", len(s.APIKeys))
	}
}

func TestManyProblems(t *testing.T) {
	const n = 50_000
	_, err := Parse("hostile.yaml", hostileSpec(n))
	got := messages(t, err)
	// Each key after the first is a duplicate; the schema sees the mapping
	// once, with one "k", so one unknown field.
	if len(got) != n {
		t.Fatalf("%d diagnostics, want %d", len(got), n)
	}
	want := []string{
		`hostile.yaml:2:1: k: unknown field: the top level takes access_tokens, account, api_keys, ignore, policy, preferences, profile, socials, team and version`,
		`hostile.yaml:3:1: k: duplicate key "k": first defined at hostile.yaml:2:1; YAML keeps only one, so remove one of them`,
	}
	if diff := cmp.Diff(want, got[:2]); diff != "" {
		t.Errorf("first diagnostics (-want +got):\n%s", diff)
	}
}
