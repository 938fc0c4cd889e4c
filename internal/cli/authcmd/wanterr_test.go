package authcmd

import (
	"strings"
	"testing"
)

// checkWantErr checks a table case's error: want "" means no error, else the
// error must contain want. It reports whether an error was wanted (and got),
// so that a case can stop there: `if checkWantErr(t, err, tc.wantErr) { return }`.
func checkWantErr(t *testing.T, err error, want string) bool {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatal(err)
		}
		return false
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want one containing %q", err, want)
	}
	return true
}
