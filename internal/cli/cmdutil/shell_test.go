package cmdutil

import "testing"

func TestShellQuote(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"token":            "token",
		"./dir/t-1.txt":    "./dir/t-1.txt",
		"my token":         "'my token'",
		"it's":             `'it'\''s'`,
		"":                 "''",
		"$(rm -rf ~)":      "'$(rm -rf ~)'",
		"/home/a/.mlab/tk": "/home/a/.mlab/tk",
	} {
		if got := ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
