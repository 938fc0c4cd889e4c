package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// largeSpec generates a valid modelslab.yaml with keys API keys and members
// team members, every field in use.
func largeSpec(keys, members int) string {
	var b strings.Builder
	b.WriteString("version: 1\nprofile:\n  name: Acme Automation\n  username: acme-bot\n")
	b.WriteString("api_keys:\n")
	for i := range keys {
		fmt.Fprintf(&b, "  - name: key-%05d\n    notes: Used by service %d\n", i, i)
		switch i % 4 {
		case 0:
			b.WriteString("    protect: true\n")
		case 1:
			b.WriteString("    rotate_after: 90d\n")
		case 2:
			fmt.Fprintf(&b, "    id: %d\n", 100000+i)
		}
	}
	b.WriteString("team:\n")
	roles := []string{"admin", "member", "viewer"}
	for i := range members {
		fmt.Fprintf(&b, "  - email: user%04d@example.com\n    role: %s\n    permissions: [api-keys, billing]\n", i, roles[i%3])
	}
	b.WriteString("access_tokens:\n  keep: [\"github-actions*\", laptop]\nignore:\n  api_keys: [\"dashboard-*\"]\n")
	b.WriteString("policy:\n  min_admins: 1\n  max_delete_percent: 10\n  resend_invites_after: 7d\n")
	return b.String()
}

// BenchmarkLoad loads a file of 10,000 API keys and 2,000 team members.
func BenchmarkLoad(b *testing.B) {
	path := filepath.Join(b.TempDir(), "modelslab.yaml")
	data := largeSpec(10_000, 2_000)
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := Load(path)
		if err != nil {
			b.Fatal(err)
		}
		if len(s.APIKeys) != 10_000 || len(s.Team) != 2_000 {
			b.Fatalf("loaded %d keys and %d members", len(s.APIKeys), len(s.Team))
		}
	}
}

// hostileSpec generates a file of n top-level keys all named "k": n-1
// duplicate-key diagnostics, n unknown fields. A quadratic duplicate check
// would take minutes on it.
func hostileSpec(n int) []byte {
	return []byte("version: 1\n" + strings.Repeat("k: 1\n", n))
}

// BenchmarkParseManyProblems measures a file with 100,000 problems: every
// stage must stay linear in the number of keys and diagnostics.
func BenchmarkParseManyProblems(b *testing.B) {
	data := hostileSpec(50_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("hostile.yaml", data); err == nil {
			b.Fatal("hostile file accepted")
		}
	}
}
