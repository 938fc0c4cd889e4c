package e2e

// The binary-level benchmark of `mlabctl plan`. plan's tests run in-process
// in internal/cli/plancmd.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
)

// BenchmarkPlanEndToEnd runs the built binary's plan against an emulator
// answering every request after 20 ms, for an account of 10,000 API keys
// and 2,000 team members that the file declares exactly (an empty plan):
// the time is the time to read the account, page by page, plus compute and
// render. It reports the requests made per plan.
func BenchmarkPlanEndToEnd(b *testing.B) {
	const keys, members = 10_000, 2_000
	em := emulatortest.Start(b)
	var spec strings.Builder
	spec.WriteString("version: 1\napi_keys:\n")
	acct, _ := em.Snapshot(em.Demo.Username)
	for _, k := range acct.APIKeys {
		fmt.Fprintf(&spec, "  - name: %q\n", k.Name)
	}
	for i := range keys - len(acct.APIKeys) {
		name := fmt.Sprintf("bench-key-%05d", i)
		em.AddAPIKey(em.Demo.Username, emulator.Key{Name: name})
		fmt.Fprintf(&spec, "  - name: %q\n", name)
	}
	spec.WriteString("team:\n")
	for _, m := range acct.Team {
		fmt.Fprintf(&spec, "  - {email: %q, role: %s, permissions: [%s]}\n", m.Email, m.Role, strings.Join(m.Permissions, ", "))
	}
	for i := range members - len(acct.Team) {
		email := fmt.Sprintf("bench%05d@example.com", i)
		em.AddMember(em.Demo.Username, emulator.Member{Email: email, Role: "viewer", Status: "active"})
		fmt.Fprintf(&spec, "  - {email: %q, role: viewer}\n", email)
	}
	path := filepath.Join(b.TempDir(), "modelslab.yaml")
	if err := os.WriteFile(path, []byte(spec.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	em.Latency = 20 * time.Millisecond
	em.ResetRequests()
	b.ResetTimer()
	for b.Loop() {
		res := runCLI(b, cliRun{Args: []string{"plan", "-f", path, "--detailed-exitcode"}, Env: clitest.DemoEnv(em)})
		if res.Code != 0 {
			b.Fatalf("exit %d (want 0, no changes):\n%s%s", res.Code, res.Stderr, lastLines(res.Stdout, 5))
		}
	}
	b.ReportMetric(float64(len(em.Requests()))/float64(b.N), "requests/op")
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
