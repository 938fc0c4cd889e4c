package clitest

import (
	"strings"
	"testing"

	"github.com/mlabctl/mlabctl/emulator/emulatortest"
)

// AccountSecrets are the values no output may hold: the demo's token and
// password, and every API key value of the account username.
func AccountSecrets(t testing.TB, em *emulatortest.Server, username string) []string {
	t.Helper()
	acct, ok := em.Snapshot(username)
	if !ok {
		t.Fatalf("no account %q in the emulator", username)
	}
	secrets := []string{em.Demo.Token, em.Demo.Password}
	for _, k := range acct.APIKeys {
		secrets = append(secrets, k.Key)
	}
	return secrets
}

// AssertNoSecrets fails the test when text (named by where) holds any of
// secrets; the message gives only the secret's length.
func AssertNoSecrets(t testing.TB, where, text string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s holds a secret (%d chars)", where, len(s))
		}
	}
}

// AssertRunHasNoSecrets fails the test when the stdout or the stderr of
// res holds a secret of the demo account (AccountSecrets, read now).
func AssertRunHasNoSecrets(t testing.TB, em *emulatortest.Server, res Result) {
	t.Helper()
	secrets := AccountSecrets(t, em, em.Demo.Username)
	AssertNoSecrets(t, "stdout", res.Stdout, secrets)
	AssertNoSecrets(t, "stderr", res.Stderr, secrets)
}
