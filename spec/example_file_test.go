package spec

import (
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mlabctl/mlabctl/schema"
)

// TestExampleFile loads examples/modelslab.yaml and checks that it declares
// exactly the demo of DEMO.md, which the emulator, plan and apply tests
// rely on; the flow-style copy of DEMO.md's block must mean the same.
func TestExampleFile(t *testing.T) {
	str := func(s string) *string { return &s }
	yes, no := true, false
	ten := 10.0
	want := &Spec{
		Version:     1,
		Profile:     &Profile{Name: str("Acme Automation"), Username: str("acme-bot"), AboutMe: str("Automation account for Acme's pipelines.")},
		Socials:     &Socials{GitHub: str("acme")},
		Preferences: &Preferences{NSFWContent: &no, WalletNotificationEnabled: &yes, WalletNotificationThreshold: &ten},
		APIKeysSet:  true,
		APIKeys: []APIKey{
			{Name: "production", Notes: str("Used by the production backend"), Protect: true},
			{Name: "ci", Notes: str("Used by GitHub Actions"), RotateAfter: 90 * 24 * time.Hour, RotateAfterText: "90d"},
			{Name: "staging", Notes: str("Used by the staging environment")},
		},
		TeamSet: true,
		Team: []Member{
			{Email: "alice@example.com", Role: "admin", Permissions: []string{"api-keys", "billing"}},
			{Email: "bob@example.com", Role: "member", Permissions: []string{"api-keys"}},
			{Email: "carol@example.com", Role: "member"},
			{Email: "dave@example.com", Role: "viewer"},
		},
		AccessTokens: &AccessTokens{Keep: []string{"demo", "github-actions*", "laptop", "mlabctl-*"}},
		Ignore:       Ignore{APIKeys: []string{"dashboard-*"}},
		Policy:       Policy{MinAdmins: 1, MaxDeletePercent: 50, ResendInvitesAfter: 7 * 24 * time.Hour, ResendInvitesAfterText: "7d"},
	}
	for _, file := range []string{"../examples/modelslab.yaml", "testdata/valid/flow-style.yaml"} {
		t.Run(file, func(t *testing.T) {
			got, err := Load(file)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if diff := cmp.Diff(want, got, valuesOnly); diff != "" {
				t.Errorf("spec (-want +got):\n%s", diff)
			}
		})
	}
	data, err := os.ReadFile("../examples/modelslab.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if first, _, _ := strings.Cut(string(data), "\n"); !strings.HasPrefix(first, "# yaml-language-server: $schema=") {
		t.Errorf("first line %q, want the yaml-language-server schema comment", first)
	}
}

// TestEveryFieldIsRead guards against a schema property the loader
// ignores: all-fields.yaml uses every property of the schema, and every
// field of the Spec it loads is set.
func TestEveryFieldIsRead(t *testing.T) {
	data, err := os.ReadFile("testdata/valid/all-fields.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := schema.Document()
	if err != nil {
		t.Fatal(err)
	}
	var walk func(path string, s map[string]any)
	walk = func(path string, s map[string]any) {
		if items, ok := s["items"].(map[string]any); ok {
			walk(path, items)
		}
		props, _ := s["properties"].(map[string]any)
		for name, p := range props {
			if !strings.Contains(string(data), name+":") {
				t.Errorf("all-fields.yaml does not use %s%s", path, name)
			}
			walk(path+name+".", p.(map[string]any))
		}
	}
	walk("", doc)

	s, err := Load("testdata/valid/all-fields.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// unset lists the zero fields under v; a field of a list's entries is
	// unset only when no entry sets it (protect and rotate_after exclude
	// each other, so no one key can set every field).
	var unset func(path string, v reflect.Value) []string
	unset = func(path string, v reflect.Value) []string {
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() {
				return []string{path + " is nil"}
			}
			return unset(path, v.Elem())
		case reflect.Struct:
			var out []string
			for i := range v.NumField() {
				out = append(out, unset(path+"."+v.Type().Field(i).Name, v.Field(i))...)
			}
			return out
		case reflect.Slice:
			if v.Len() == 0 {
				return []string{path + " is empty"}
			}
			count := map[string]int{}
			for i := range v.Len() {
				for _, u := range unset(path, v.Index(i)) {
					count[u]++
				}
			}
			var out []string
			for u, n := range count {
				if n == v.Len() {
					out = append(out, u)
				}
			}
			sort.Strings(out)
			return out
		}
		if v.IsZero() {
			return []string{path + " is zero"}
		}
		return nil
	}
	if len(s.Warnings) != 0 {
		t.Errorf("all-fields.yaml has warnings: %v", s.Warnings)
	}
	s.Warnings = nil // not a field of the format: a valid file has none
	for _, u := range unset("Spec", reflect.ValueOf(s)) {
		if u != "Spec.Warnings is empty" {
			t.Error(u)
		}
	}
}
