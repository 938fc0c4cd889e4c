package remote

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/mlabctl/mlabctl/emulator"
)

// TestCheckWholeSecretForms: what may be a whole key is taken, and every masked,
// empty or implausible value is refused, with a reason that never quotes
// the value.
func TestCheckWholeSecretForms(t *testing.T) {
	whole := Secret("ml-0123456789abcdef0123456789abcdef01234567")
	for _, tc := range []struct {
		name string
		key  Secret
		// want is a word of the reason; "" means a whole key.
		want string
	}{
		{"the emulator's form", whole, ""},
		{"a Sanctum-style token", "12|aB3dE5gH7jK9mN1pQ3sT5vX7", ""},
		{"sixteen characters", "abcdefghijklmnop", ""},
		{"empty", "", "empty"},
		{"the list's mask", "ml-…9f2c", "masked"},
		{"Secret.Masked of a whole key", Secret(whole.Masked()), "masked"},
		{"asterisks", "sk-****************abcd", "masked"},
		{"bullets", "ml-••••••••••••••••9f2c", "masked"},
		{"three dots", "ml-0123...456789abcdef", "masked"},
		{"a run of X", "XXXXXXXXXXXXXXXX9f2c", "masked"},
		{"a run of x", "ml-xxxxxxxxxxxxxxxx9f2c", "masked"},
		{"a run of #", "################9f2c", "masked"},
		{"short", "ml-9f2c", "too short"},
		{"a space", "ml-0123456789 abcdef0123", "characters"},
		{"a line break", "ml-0123456789abcdef0123\n", "characters"},
		{"not ASCII", "ml-0123456789abcdéf0123", "characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := CheckWholeSecret(tc.key)
			if tc.want == "" {
				if got != "" {
					t.Errorf("a whole key refused: %s", got)
				}
				return
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("reason %q, want one saying %q", got, tc.want)
			}
			if tc.key != "" && strings.Contains(got, tc.key.Reveal()) {
				t.Errorf("the reason quotes the value: %q", got)
			}
		})
	}
}

// TestCreateKeyWithoutSecret: against an emulator that creates keys but
// answers them masked, empty or without key (Faults.KeyAnswer), in every
// reading of emulator.Matrix, CreateAPIKey fails with a
// *SecretNotReturnedError naming the key that was created, sends the POST
// once, and says nothing of the secret; a whole answer is a success.
func TestCreateKeyWithoutSecret(t *testing.T) {
	for _, answer := range append([]string{""}, emulator.KeyAnswers...) {
		t.Run("key-answer="+answer, func(t *testing.T) {
			t.Parallel()
			forEachVariant(t, func(t *testing.T, e *emu) {
				e.srv.Faults = &emulator.Faults{KeyAnswer: answer}
				k, err := e.c.CreateAPIKey(context.Background(), APIKeyCreate{Name: "ci-new"})
				keys := e.snapshot(t).APIKeys
				stored := keys[len(keys)-1]
				if stored.Name != "ci-new" {
					t.Fatalf("the last key is %q, want the created ci-new", stored.Name)
				}
				posts := 0
				for _, r := range e.srv.Requests() {
					if r.Method == http.MethodPost {
						posts++
					}
				}
				if posts != 1 {
					t.Errorf("%d POSTs sent, want 1", posts)
				}
				if answer == "" {
					if err != nil || k.Key.Reveal() != stored.Key || k.ID.String() != itoa(stored.ID) {
						t.Fatalf("a whole answer: key %+v, err %v; want the stored key", k, err)
					}
					if _, ok := KeyWithoutSecret(err); ok {
						t.Errorf("KeyWithoutSecret(nil) = true")
					}
					return
				}
				var e2 *SecretNotReturnedError
				if !errors.As(err, &e2) || k != nil {
					t.Fatalf("answer %s: key %+v, err %v; want a *SecretNotReturnedError", answer, k, err)
				}
				id, ok := KeyWithoutSecret(err)
				if !ok || id.String() != itoa(stored.ID) || e2.Name != "ci-new" {
					t.Errorf("KeyWithoutSecret = %q, %v (name %q); want id %d of ci-new", id, ok, e2.Name, stored.ID)
				}
				if !MayHaveCommitted(err) {
					t.Errorf("MayHaveCommitted = false for a key that was created")
				}
				want := map[string]string{"masked": "masked", "empty": "empty", "missing": "no key member"}[answer]
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
				tail := stored.Key[len(stored.Key)-4:]
				if strings.Contains(err.Error(), stored.Key) || strings.Contains(err.Error(), tail) {
					t.Errorf("the error shows (part of) the secret: %q", err)
				}
			})
		})
	}
}

// TestKeyWithoutSecretWrapped: the classifier sees through wrapping, and
// says no to other errors.
func TestKeyWithoutSecretWrapped(t *testing.T) {
	wrapped := errors.Join(errors.New("step ci"), &SecretNotReturnedError{ID: "7", Why: "the answer's key is empty"})
	if id, ok := KeyWithoutSecret(wrapped); !ok || id != "7" {
		t.Errorf("KeyWithoutSecret(wrapped) = %q, %v; want 7, true", id, ok)
	}
	if _, ok := KeyWithoutSecret(&APIError{Status: 500}); ok {
		t.Errorf("KeyWithoutSecret(a 500) = true")
	}
	if got := (&SecretNotReturnedError{Why: "the answer has no key member"}).Error(); got != "POST /api-keys created a key but did not answer its secret: the answer has no key member" {
		t.Errorf("Error() without id or name = %q", got)
	}
}

// TestCreateKeyAnswerShapes: create answers in shapes the emulator has no
// knob for. Without data, with {message}, with key null or masked, the
// create is a *SecretNotReturnedError (with the id when the answer gives
// one); a whole key nested in the envelope's usual place is a success.
func TestCreateKeyAnswerShapes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		// why is a word of SecretNotReturnedError.Why, wantID its ID;
		// why "" means a success.
		why, wantID string
	}{
		{"whole", 201, `{"data":{"id":7,"name":"k","key":"ml-0123456789abcdef0123456789"}}`, "", ""},
		{"data null", 201, `{"data":null}`, "no data", ""},
		{"no body", 204, ``, "no data", ""},
		{"a message", 201, `{"data":{"message":"API key created"}}`, "no key member", ""},
		{"key null", 201, `{"data":{"id":"k-7","name":"k","key":null}}`, "no key member", "k-7"},
		{"a bare masked key", 200, `{"id":8,"name":"k","key":"ml-…9f2c"}`, "masked", "8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc, ts := serveRecorder(t, answer{status: tc.status, body: tc.body})
			k, err := fastClient(t, ts.URL, nil).CreateAPIKey(context.Background(), APIKeyCreate{Name: "k"})
			if n := len(rc.requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
			if tc.why == "" {
				if err != nil || k == nil || k.Key.IsZero() {
					t.Fatalf("key %+v, err %v; want the whole key", k, err)
				}
				return
			}
			var e *SecretNotReturnedError
			if !errors.As(err, &e) || k != nil {
				t.Fatalf("key %+v, err %v; want a *SecretNotReturnedError", k, err)
			}
			if !strings.Contains(e.Why, tc.why) || e.ID != ID(tc.wantID) {
				t.Errorf("Why %q, ID %q; want %q and %q", e.Why, e.ID, tc.why, tc.wantID)
			}
		})
	}
}
