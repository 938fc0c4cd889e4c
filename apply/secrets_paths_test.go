//go:build unix

package apply

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/internal/atomicfile/atomicfiletest"
	"github.com/mlabctl/mlabctl/remote"
)

// TestSecretsFileRefusesSpecialPaths checks every entry point of the
// secrets file on what --secrets-out must not write: each refuses, naming
// the path, without blocking on a FIFO or creating a lock file beside it.
func TestSecretsFileRefusesSpecialPaths(t *testing.T) {
	for _, sp := range atomicfiletest.Specials(t) {
		t.Run(sp.Name, func(t *testing.T) {
			f := NewSecretsFile(sp.Path)
			for what, err := range map[string]error{
				"Check":          f.Check(),
				"CheckMergeable": f.CheckMergeable(),
				"Save":           f.Save("ci", remote.Secret("ml-key-1")),
				"Forget":         f.Forget("ci"),
			} {
				if err == nil {
					t.Errorf("%s accepted it", what)
					continue
				}
				sp.Refusal(t, err.Error())
			}
			sp.Unchanged(t)
		})
	}
}

// TestSecretsFileThroughSymlink checks that a symlinked --secrets-out
// (into a secrets store, say) merges into the link's target, keeps the
// link, and locks beside the target (no lock file is left anywhere).
func TestSecretsFileThroughSymlink(t *testing.T) {
	l := atomicfiletest.SymlinkToFile(t, `{"old": "ml-key-0"}`)
	f := NewSecretsFile(l.Path)
	if err := f.Check(); err != nil {
		t.Fatal(err)
	}
	if err := f.Save("ci", remote.Secret("ml-key-1")); err != nil {
		t.Fatal(err)
	}
	l.Written(t, secretsFileMode)
	if diff := cmp.Diff(map[string]string{"old": "ml-key-0", "ci": "ml-key-1"}, readSecrets(t, l.Target)); diff != "" {
		t.Errorf("the target (-want +got):\n%s", diff)
	}
}
