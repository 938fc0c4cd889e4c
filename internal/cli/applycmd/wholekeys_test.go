package applycmd_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/remote"
)

// Keys in lists (API.md's last table): a server whose lists, gets and
// update answers show every key's whole secret (Variants.WholeKeysInLists)
// has them read as remote.Secret, so that no output shows one: plan in
// every format, the plan file and show, apply (with --debug), the secrets
// file (which holds only the keys apply created), export to stdout and to
// a file, and plan after apply.
func TestRowWholeKeysInLists(t *testing.T) {
	t.Parallel()
	m := startMatrixRun(t, emulator.Variants{WholeKeysInLists: true})
	// Every key value the account ever holds: the seeded ones now, those
	// apply creates read after it.
	seen := map[string]bool{}
	collect := func() {
		for _, s := range clitest.AccountSecrets(t, m.em, m.em.Demo.Username) {
			seen[s] = true
		}
	}
	collect()
	seeded := len(seen)
	spec := m.file("modelslab.yaml", string(mustRead(t, clitest.ExampleFile())))
	planFile := filepath.Join(m.dir, "plan.mlabplan")
	secretsOut := filepath.Join(m.dir, "secrets.json")
	exported := filepath.Join(m.dir, "exported.yaml")

	var outputs []struct{ what, text string }
	record := func(what string, res clitest.Result) {
		outputs = append(outputs, struct{ what, text string }{what, res.Stdout + res.Stderr})
	}
	for _, o := range []string{"text", "markdown", "json"} {
		record("plan -o "+o, m.run(0, "plan", "-f", spec, "-o", o))
	}
	record("plan --out", m.run(0, "plan", "-f", spec, "--out", planFile))
	outputs = append(outputs, struct{ what, text string }{"the plan file", string(mustRead(t, planFile))})
	for _, o := range []string{"text", "json"} {
		record("show -o "+o, m.run(0, "show", planFile, "-o", o))
	}
	record("apply --debug", m.run(0, "apply", "-f", spec, planFile, "--auto-approve", "--secrets-out", secretsOut, "--debug"))
	record("plan after apply", m.run(0, "plan", "-f", spec, "-o", "json", "--detailed-exitcode"))
	record("export", m.run(0, "export"))
	record("export --out", m.run(0, "export", "--out", exported))
	outputs = append(outputs, struct{ what, text string }{"the exported file", string(mustRead(t, exported))})
	collect()

	var all []string
	for s := range seen {
		all = append(all, s)
	}
	if len(all) <= seeded {
		t.Fatalf("apply created no key (%d secrets seen, %d seeded): the test checks nothing new", len(all), seeded)
	}
	// The variant is played: a list shows a whole key (else this test
	// would pass on a server that masks).
	status, body := listKeysRaw(t, m)
	if status != 200 || !containsAny(body, all) {
		t.Fatalf("GET /api-keys (status %d) shows no whole key: the variant is not played", status)
	}
	for _, o := range outputs {
		clitest.AssertNoSecrets(t, o.what, o.text, all)
	}
	// The secrets file holds the keys apply created, and no key that
	// existed before (each whole in every list).
	written := clitest.ReadSecretsFile(t, secretsOut)
	if len(written) != 2 || written["staging"] == "" || written["ci"] == "" {
		t.Errorf("the secrets file holds %d keys, want staging and ci", len(written))
	}
	live := map[string]string{}
	for _, k := range keysOf(t, m) {
		live[k.Name] = k.Key
	}
	for name, v := range written {
		if live[name] != v {
			t.Errorf("the secrets file's %s is not the live key's secret", name)
		}
	}
	t.Logf("%d outputs checked against %d key values", len(outputs), len(all))
}

// mustRead reads path.
func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// containsAny reports whether text holds one of values.
func containsAny(text string, values []string) bool {
	for _, v := range values {
		if v != "" && strings.Contains(text, v) {
			return true
		}
	}
	return false
}

// keysOf is the demo account's live keys.
func keysOf(t *testing.T, m *matrixRun) []emulator.Key {
	t.Helper()
	acct, ok := m.em.Snapshot(m.em.Demo.Username)
	if !ok {
		t.Fatal("no demo account")
	}
	return acct.APIKeys
}

// listKeysRaw is the body of GET /api-keys as the server sends it.
func listKeysRaw(t *testing.T, m *matrixRun) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, m.em.URL+remote.APIPrefix+"/api-keys", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+m.em.Demo.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
