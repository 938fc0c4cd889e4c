package specfmt

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/mlabctl/mlabctl/internal/golden"
	"github.com/mlabctl/mlabctl/spec"
)

// corpus returns the valid corpus of package spec and the example files.
func corpus(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("../testdata/valid/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	examples, _ := filepath.Glob("../../examples/*.yaml")
	files = append(files, examples...)
	if len(files) < 10 {
		t.Fatalf("found %d corpus files, want the valid corpus", len(files))
	}
	return files
}

// sameSpec compares two loaded specs, positions, path and hash aside.
func sameSpec(a, b *spec.Spec) string {
	return cmp.Diff(a, b, cmpopts.IgnoreTypes(spec.Pos{}), cmpopts.IgnoreFields(spec.Spec{}, "Path", "Hash", "Source"), cmpopts.EquateEmpty())
}

// commentRe finds the comments of a YAML file well enough for the corpus:
// a # at the start of a line or after a space, outside quotes the corpus
// does not put one in.
var commentRe = regexp.MustCompile(`(?m)(?:^|\s)(#.*)$`)

// comments lists the comment texts of a file, trimmed.
func comments(data []byte) []string {
	var out []string
	for _, m := range commentRe.FindAllStringSubmatch(string(data), -1) {
		out = append(out, strings.TrimSpace(m[1]))
	}
	return out
}

// TestFormatCorpus formats every valid corpus file (and the examples):
// the result is the golden file, means the same spec, keeps every comment,
// and formatting it again changes nothing.
func TestFormatCorpus(t *testing.T) {
	for _, file := range corpus(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			out, err := Format(file, data)
			if err != nil {
				t.Fatalf("Format: %v", err)
			}
			golden.Check(t, filepath.Join("testdata", filepath.Base(file)), out)

			again, err := Format(file, out)
			if err != nil {
				t.Fatalf("Format of the formatted file: %v", err)
			}
			if d := cmp.Diff(string(out), string(again)); d != "" {
				t.Errorf("not idempotent (-once +twice):\n%s", d)
			}

			before, err := spec.Parse(file, data)
			if err != nil {
				t.Fatal(err)
			}
			after, err := spec.Parse(file, out)
			if err != nil {
				t.Fatalf("the formatted file is invalid: %v\n%s", err, out)
			}
			if d := sameSpec(before, after); d != "" {
				t.Errorf("formatting changed the spec (-before +after):\n%s", d)
			}
			kept := string(out)
			for _, c := range comments(data) {
				if !strings.Contains(kept, c) {
					t.Errorf("comment %q is lost", c)
				}
			}
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{
			name: "sections and fields in canonical order, comments with their keys",
			in: `# The file's header.

policy:
  max_delete_percent: 10
  min_admins: 1 # at least one
api_keys:
  # the CI key
  - notes: Used by CI
    rotate_overlap: 7d
    rotate_after: 90d
    name: ci
version: 1
`,
			want: `# The file's header.

version: 1

api_keys:
  # the CI key
  - name: ci
    notes: Used by CI
    rotate_after: 90d
    rotate_overlap: 7d

policy:
  min_admins: 1 # at least one
  max_delete_percent: 10
`,
		},
		{
			name: "four-space indentation, CRLF and a byte order mark",
			in:   "\ufeffversion: 1\r\nteam:\r\n    -   role: admin\r\n        email: a@example.com\r\n",
			want: "version: 1\n\nteam:\n  - email: a@example.com\n    role: admin\n",
		},
		{
			name: "blank lines between entries kept, at most one, none first",
			in: `version: 1
api_keys:

  - name: a


  - name: b
  # c's comment

  - name: c
`,
			want: `version: 1

api_keys:
  - name: a

  - name: b
  # c's comment

  - name: c
`,
		},
		{
			name: "a blank line between a comment and its key or entry kept",
			in: `# The header.

version: 1

# The keys.

api_keys:
  # the first key

  - name: a
    notes: first

  # the second key

  - name: b
    # its notes

    notes: second
team:
  # the admin

  - email: a@example.com
`,
			want: `# The header.

version: 1

# The keys.

api_keys:
  # the first key

  - name: a
    notes: first

  # the second key

  - name: b
    # its notes

    notes: second

team:
  # the admin

  - email: a@example.com
`,
		},
		{
			name: "a key moved first keeps no blank line above it",
			in: `version: 1
api_keys:
  - notes: first
    # its name

    name: a
profile:
  username: acme

  name: Acme
`,
			want: `version: 1

profile:
  name: Acme
  username: acme

api_keys:
  - name: a
    notes: first
    # its name
`,
		},
		{
			name: "the comment below the last key stays last",
			in: `version: 1
team:
  - role: admin
    email: a@example.com
    # end of alice
`,
			want: `version: 1

team:
  - email: a@example.com
    role: admin
    # end of alice
`,
		},
		{
			name: "merge keys first, unknown keys after known ones, flow style kept",
			in: `version: 1
api_keys:
  - &base {notes: shared, name: base}
  - zzz: unknown
    name: x
    <<: *base
`,
			want: `version: 1

api_keys:
  - &base {name: base, notes: shared}
  - <<: *base
    name: x
    zzz: unknown
`,
		},
		{
			name: "an alias moved above its anchor takes the anchor",
			in: `policy: &p {min_admins: 1}
version: 1
account: *p
`,
			want: `version: 1

account: &p {min_admins: 1}

policy: *p
`,
		},
		{
			name: "aligned line comments stay at their columns",
			in: `version: 1          # the version
policy:
    min_admins: 1      # admins
    max_delete_percent: 50 # far
team: []  # none
`,
			// The source columns are kept (a comment moves only to stay
			// one space after what precedes it).
			want: `version: 1          # the version

team: []  # none

policy:
  min_admins: 1        # admins
  max_delete_percent: 50   # far
`,
		},
		{
			name: "quoting and block scalars kept",
			in: `version: 1
profile:
  about_me: |
    Line one.
    Line two.
  name: 'single'
  username: "double"
`,
			want: `version: 1

profile:
  name: 'single'
  username: "double"
  about_me: |
    Line one.
    Line two.
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Format("m.yaml", []byte(tt.in))
			if err != nil {
				t.Fatalf("Format: %v", err)
			}
			if d := cmp.Diff(tt.want, string(got)); d != "" {
				t.Errorf("Format (-want +got):\n%s", d)
			}
			again, err := Format("m.yaml", got)
			if err != nil || string(again) != string(got) {
				t.Errorf("not idempotent: %v\n%s", err, again)
			}
		})
	}
}

func TestFormatRefuses(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"empty", "", "the file is empty"},
		{"comments only", "# nothing\n", "the file is empty"},
		{"two documents", "version: 1\n---\nversion: 1\n", "holds 2 YAML documents"},
		{"a list", "- version: 1\n", "not a mapping"},
		{"a syntax error", "version: [1\n", "m.yaml: yaml:"},
		{"fmt's own marker", "version: 1\n" + blankLine + "\n", "fmt uses itself"},
		{"fmt's own marker in a value", "version: 1\nprofile: {name: \"" + marker + "\"}\n", "fmt uses itself"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Format("m.yaml", []byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) || out != nil {
				t.Errorf("Format = %q, %v; want an error containing %q", out, err, tt.want)
			}
		})
	}
}

// FuzzFormat: whatever YAML Format accepts, it formats idempotently and
// without changing what the file means (Format checks the meaning itself;
// here a valid modelslab.yaml must stay the same spec).
func FuzzFormat(f *testing.F) {
	for _, file := range corpus(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("version: 1\napi_keys:\n  - name: a\n    # c\n\n  - name: b # d\n# e\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Format("f.yaml", data)
		if err != nil {
			return
		}
		again, err := Format("f.yaml", out)
		if err != nil {
			t.Fatalf("the formatted file does not format: %v\n%s", err, out)
		}
		if string(again) != string(out) {
			t.Fatalf("not idempotent:\n%s\n---\n%s", out, again)
		}
		before, err := spec.Parse("f.yaml", data)
		if err != nil {
			return
		}
		after, err := spec.Parse("f.yaml", out)
		if err != nil {
			t.Fatalf("a valid file became invalid: %v\n%s", err, out)
		}
		if d := sameSpec(before, after); d != "" {
			t.Fatalf("the spec changed:\n%s", d)
		}
	})
}

func TestFormatRefusesAliasBombs(t *testing.T) {
	data, err := os.ReadFile("../testdata/invalid/alias-bomb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Format("bomb.yaml", data); err == nil || !strings.Contains(err.Error(), "expand to more than") {
		t.Errorf("Format = %v, want the alias bomb refused", err)
	}
}
