package authcmd

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCheckSecretDest(t *testing.T) {
	t.Parallel()
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
			t.Parallel()
			checkWantErr(t, checkSecretDest(tc.path), tc.wantErr)
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("the check left %d files behind", len(entries))
			}
		})
	}
}
