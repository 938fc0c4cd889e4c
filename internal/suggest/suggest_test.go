package suggest

import "testing"

func TestClosest(t *testing.T) {
	for _, tt := range []struct {
		name       string
		candidates []string
		want       string
	}{
		{"emial", []string{"email", "role"}, "email"},
		{"EMIAL", []string{"email"}, "email"},
		{"Email", []string{"role", "email"}, "email"},
		{"rol", []string{"email", "role", "roles"}, "role"},
		{"email", []string{"email", "emails"}, ""},
		{"zzzzz", []string{"email"}, ""},
		{"", []string{"ab", "a"}, "a"},
		{"ünï", []string{"üni"}, "üni"},
	} {
		if got := Closest(tt.name, tt.candidates); got != tt.want {
			t.Errorf("Closest(%q, %q) = %q, want %q", tt.name, tt.candidates, got, tt.want)
		}
	}
	if d := Distance("kitten", "sitting"); d != 3 {
		t.Errorf("Distance = %d, want 3", d)
	}
}
