package specfmt

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDiff(t *testing.T) {
	long := func(n int) string {
		var b strings.Builder
		for i := 1; i <= n; i++ {
			b.WriteString("line " + string(rune('a'+i%26)) + "\n")
		}
		return b.String()
	}
	tests := []struct {
		name, old, new, want string
	}{
		{name: "equal", old: "a\n", new: "a\n", want: ""},
		{
			name: "one change in the middle, three lines of context",
			old:  "1\n2\n3\n4\n5\n6\n7\n8\n9\n",
			new:  "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
			want: "--- a/m.yaml\n+++ b/m.yaml\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n",
		},
		{
			name: "two changes far apart are two hunks",
			old:  long(20),
			new:  strings.Replace(strings.Replace(long(20), "line c\n", "line C\n", 1), "line t\n", "line T\n", 1),
			want: "--- a/m.yaml\n+++ b/m.yaml\n@@ -1,5 +1,5 @@\n line b\n-line c\n+line C\n line d\n line e\n line f\n" +
				"@@ -16,5 +16,5 @@\n line q\n line r\n line s\n-line t\n+line T\n line u\n",
		},
		{
			name: "a missing final newline is marked",
			old:  "version: 1",
			new:  "version: 1\n",
			want: "--- a/m.yaml\n+++ b/m.yaml\n@@ -1 +1 @@\n-version: 1\n\\ No newline at end of file\n+version: 1\n",
		},
		{
			name: "from nothing",
			old:  "",
			new:  "version: 1\n",
			want: "--- a/m.yaml\n+++ b/m.yaml\n@@ -0,0 +1 @@\n+version: 1\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff("m.yaml", []byte(tt.old), []byte(tt.new))
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("Diff (-want +got):\n%s", d)
			}
		})
	}
}

// TestDiffOfFormat: the diff of a formatting, applied line by line, turns
// the old file into the new one.
func TestDiffOfFormat(t *testing.T) {
	old := "policy: {min_admins: 1}\nversion: 1\napi_keys:\n    - notes: n\n      name: a\n"
	out, err := Format("m.yaml", []byte(old))
	if err != nil {
		t.Fatal(err)
	}
	d := Diff("m.yaml", []byte(old), out)
	var minus, plus []string
	for _, l := range strings.Split(d, "\n")[2:] {
		switch {
		case strings.HasPrefix(l, "-"):
			minus = append(minus, l[1:])
		case strings.HasPrefix(l, "+"):
			plus = append(plus, l[1:])
		case strings.HasPrefix(l, " "):
			minus, plus = append(minus, l[1:]), append(plus, l[1:])
		}
	}
	if got := strings.Join(minus, "\n") + "\n"; got != old {
		t.Errorf("the diff's old side is\n%s\nwant\n%s", got, old)
	}
	if got := strings.Join(plus, "\n") + "\n"; got != string(out) {
		t.Errorf("the diff's new side is\n%s\nwant\n%s", got, out)
	}
}
