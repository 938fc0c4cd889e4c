package cli_test

// Hostile inputs (issue 14): files, environment values and server answers
// built to break a line, forge a workflow command, repaint the terminal or
// flood the log, each run through a whole command line in-process against
// an emulator. Every case asserts its exit code and message, that the
// account is exactly as before, and the invariants of everything mlabctl
// prints: no raw control character, no line a CI runner would take for a
// command mlabctl did not mean. Each case runs twice: under GitHub Actions
// (where the stream guard is the backstop) and outside it (where the
// escaping at the source must hold on its own).

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
)

// forged is the text a hostile server or file slips into a name or a
// message: a line break followed by workflow commands (an annotation on
// modelslab.yaml, switching command processing off, the legacy form that
// works anywhere in a line), a carriage return and escape sequences that
// would erase and rewrite the line, and a bidirectional override.
const forged = "ok\n::error file=modelslab.yaml::FORGED\r\x1b[2K::stop-commands::tok ##[add-mask]FORGED \x1b[31mred\u202e"

// hostileCase is one command line fed a hostile input.
type hostileCase struct {
	name string
	// seed prepares the emulator's account (hostile live names).
	seed func(em *emulatortest.Server)
	// answer, when set, answers the requests whose "METHOD /path" (under
	// the API prefix) it returns true for, in place of the emulator.
	answer func(w http.ResponseWriter, r *http.Request) bool
	// file is modelslab.yaml's content ("" for none); args may name it
	// as FILE.
	file string
	args []string
	// env is added to the demo environment (a value "" unsets it).
	env      map[string]string
	wantCode int
	// wantErr is a substring of stderr; wantOut of stdout.
	wantErr, wantOut string
}

func hostileCases() []hostileCase {
	errorAnswer := func(route string, status int, body string) func(http.ResponseWriter, *http.Request) bool {
		return func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method+" "+strings.TrimPrefix(r.URL.Path, emulator.Prefix) != route {
				return false
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			fmt.Fprint(w, body)
			return true
		}
	}
	jsonString := func(s string) string { b, _ := jsonMarshal(s); return string(b) }
	huge := strings.Repeat("A\n::error::flood ", 30_000) // 480 KB
	return []hostileCase{
		// Files.
		{name: "file: a key name holding a line break and commands", file: "version: 1\napi_keys:\n  - name: " + jsonString(forged) + "\n",
			args: []string{"validate", "-f", "FILE"}, wantCode: 1, wantErr: `api_keys[0].name`},
		{name: "file: notes with commands on their own lines (plan shows a line diff)",
			file: "version: 1\napi_keys:\n  - name: production\n    notes: \"first\\n::error file=modelslab.yaml::FORGED\\n##[stop-commands]tok\\n  ::warning::FORGED\"\nignore:\n  api_keys: [\"*\"]\n",
			args: []string{"plan", "-f", "FILE"}, wantCode: 0, wantOut: "api_key.production"},
		{name: "file: a field name with escape sequences", file: "version: 1\n\"\\e[2K::error::FORGED\": 1\n",
			args: []string{"validate", "-f", "FILE"}, wantCode: 1, wantErr: `unknown field`},
		{name: "file: binary garbage", file: "\x00\x01\xff\xfe\x1b[2J::error::FORGED\n",
			args: []string{"validate", "-f", "FILE"}, wantCode: 1, wantErr: "FILE:1"},
		{name: "file: a path holding a line break and a command", args: []string{"validate", "-f", "missing\n::error file=modelslab.yaml::FORGED.yaml"},
			wantCode: 1, wantErr: `Error: reading "missing\n::error file=modelslab.yaml::FORGED.yaml": no such file`},
		{name: "file: a plan file that is a modelslab.yaml", file: "version: 1\n", args: []string{"apply", "FILE"},
			wantCode: 1, wantErr: "is a modelslab.yaml, not a plan file"},

		// Environment values.
		{name: "env: MLABCTL_DEBUG not a boolean", file: "version: 1\n", args: []string{"validate", "-f", "FILE"},
			env: map[string]string{cmdutil.EnvDebug: "yes\n::error::FORGED"}, wantCode: 1, wantErr: `MLABCTL_DEBUG="yes\n::error::FORGED" is not a boolean`},
		{name: "env: a base URL holding a line break", file: "version: 1\nsocials: {github: acme}\n", args: []string{"plan", "-f", "FILE"},
			env: map[string]string{cmdutil.EnvBaseURL: "http://127.0.0.1:1/\n::error file=modelslab.yaml::FORGED"}, wantCode: 1, wantErr: "base URL"},
		{name: "env: a base URL that is not https", file: "version: 1\nsocials: {github: acme}\n", args: []string{"plan", "-f", "FILE"},
			env: map[string]string{cmdutil.EnvBaseURL: "http://example.com"}, wantCode: 1, wantErr: "is not https"},
		{name: "env: a token the server does not know, with control characters", file: "version: 1\nsocials: {github: acme}\n", args: []string{"plan", "-f", "FILE"},
			env: map[string]string{cmdutil.EnvToken: "bogus-token\x1b[2K::add-mask::x"}, wantCode: 1, wantErr: "the access token contains a control character"},
		{name: "env: a token the server does not know", file: "version: 1\nsocials: {github: acme}\n", args: []string{"plan", "-f", "FILE"},
			env: map[string]string{cmdutil.EnvToken: "mlt-unknown-token-::error::FORGED"}, wantCode: 1, wantErr: "401"},
		{name: "env: MODELSLAB_FILE naming a directory", args: []string{"validate"},
			env: map[string]string{cmdutil.EnvFile: "/"}, wantCode: 1, wantErr: "is a directory"},

		// Server answers.
		{name: "server: an error message with line breaks and commands", file: "version: 1\nsocials: {github: acme}\n", args: []string{"plan", "-f", "FILE"},
			answer:   errorAnswer("GET /me", 500, `{"error":{"code":"server_error","message":`+jsonString(forged)+`}}`),
			wantCode: 1, wantErr: `500 server_error: ok\n::error file=modelslab.yaml::FORGED\r\u001b[2K::stop-commands::tok ##\u005badd-mask]FORGED`},
		{name: "server: field errors with line breaks", file: "version: 1\napi_keys: []\n", args: []string{"plan", "-f", "FILE"},
			answer:   errorAnswer("GET /api-keys", 422, `{"error":{"code":"validation_error","message":"bad","details":{"page":[`+jsonString(forged)+`]}}}`),
			wantCode: 1, wantErr: `(page: ok\n::error file=modelslab.yaml::FORGED`},
		{name: "server: a huge error message", file: "version: 1\nsocials: {github: acme}\n", args: []string{"plan", "-f", "FILE"},
			answer:   errorAnswer("GET /me", 400, `{"error":{"code":"bad_request","message":`+jsonString(huge)+`}}`),
			wantCode: 1, wantErr: "more characters)"},
		{name: "server: an HTML error page", file: "version: 1\nsocials: {github: acme}\n", args: []string{"plan", "-f", "FILE"},
			answer: func(w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(502)
				fmt.Fprint(w, "<html>\n::error file=modelslab.yaml::FORGED\n</html>")
				return true
			},
			wantCode: 1, wantErr: "502"},
		{name: "server: a redirect to a hostile place", file: "version: 1\nsocials: {github: acme}\n", args: []string{"plan", "-f", "FILE"},
			answer: func(w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("Location", "https://evil.example/::error::FORGED")
				w.WriteHeader(302)
				return true
			},
			wantCode: 1, wantErr: "redirects to https://evil.example"},
		{name: "server: a pagination total of -5", file: "version: 1\napi_keys: []\n", args: []string{"plan", "--detailed-exitcode", "-f", "FILE"},
			answer:   errorAnswer("GET /api-keys", 200, `{"data":[],"error":null,"meta":{"request_id":"r","pagination":{"page":1,"per_page":50,"total":-5,"last_page":1}}}`),
			wantCode: 1, wantErr: "meta.pagination.total is -5, not a count of 0 or more"},
		{name: "server: last_page 10000 with total 0", file: "version: 1\napi_keys: []\n", args: []string{"plan", "--detailed-exitcode", "-f", "FILE"},
			answer:   errorAnswer("GET /api-keys", 200, `{"data":[],"error":null,"meta":{"request_id":"r","pagination":{"page":1,"per_page":50,"total":0,"last_page":10000}}}`),
			wantCode: 1, wantErr: "the server claims 10000 pages of 50 items; refusing"},
		{name: "server: a live key id that cannot be put in a URL path", file: "version: 1\napi_keys: []\n", args: []string{"plan", "--detailed-exitcode", "-f", "FILE"},
			answer:   errorAnswer("GET /api-keys", 200, `{"data":[{"id":"..","name":"dotdot","notes":"","created_at":"2026-01-01T00:00:00Z"}],"error":null,"meta":{"request_id":"r"}}`),
			wantCode: 1, wantErr: `has the id "..", which cannot be put in a URL path`},
		{name: "live: a key named to forge lines, planned for deletion", seed: func(em *emulatortest.Server) {
			em.AddAPIKey(em.Demo.Username, emulator.Key{Name: forged})
		}, file: "version: 1\napi_keys: []\n", args: []string{"plan", "--detailed-exitcode", "-f", "FILE"}, wantCode: 2, wantOut: `- api_key.ok\n::error file=modelslab.yaml::FORGED`},
		{name: "live: the same plan as markdown and JSON", seed: func(em *emulatortest.Server) {
			em.AddAPIKey(em.Demo.Username, emulator.Key{Name: forged})
		}, file: "version: 1\napi_keys: []\n", args: []string{"plan", "-o", "markdown", "-f", "FILE"}, wantCode: 0, wantOut: "FORGED"},
		{name: "live: the same plan as JSON", seed: func(em *emulatortest.Server) {
			em.AddAPIKey(em.Demo.Username, emulator.Key{Name: forged})
		}, file: "version: 1\napi_keys: []\n", args: []string{"plan", "-o", "json", "-f", "FILE"}, wantCode: 0, wantOut: `"address"`},
		{name: "live: apply of that plan, refused off a terminal", seed: func(em *emulatortest.Server) {
			em.AddAPIKey(em.Demo.Username, emulator.Key{Name: forged})
		}, file: "version: 1\napi_keys: []\nignore:\n  api_keys: [\"*\"]\nteam: []\n", args: []string{"apply", "-f", "FILE"}, wantCode: 3},
		{name: "live: a member email forging lines", seed: func(em *emulatortest.Server) {
			em.AddMember(em.Demo.Username, emulator.Member{Email: "x@example.com\n::error::FORGED\x1b[2K", Role: "member"})
		}, file: "version: 1\nteam: []\npolicy: {min_admins: 0}\n", args: []string{"plan", "-f", "FILE"}, wantCode: 0, wantOut: `team_member.`},
		{name: "live: an access token name forging lines", seed: func(em *emulatortest.Server) {
			em.IssueToken(em.Demo.Username, forged, []string{"*"}, 0)
		}, args: []string{"auth", "tokens", "list"}, wantCode: 0, wantOut: `ok\n::error file=modelslab.yaml::FORGED`},
		{name: "live: an export of a name it cannot declare", seed: func(em *emulatortest.Server) {
			em.AddAPIKey(em.Demo.Username, emulator.Key{Name: "dash\n::error::FORGED"})
		}, args: []string{"export"}, wantCode: 0, wantOut: `"dash\n::error::FORGED": holds U+000A, which a name here may not.`},
		{name: "live: an export of hostile notes", seed: func(em *emulatortest.Server) {
			em.AddAPIKey(em.Demo.Username, emulator.Key{Name: "dash", Notes: "##[stop-commands]tok\n  ::warning::FORGED\u202e"})
		}, args: []string{"export"}, wantCode: 0, wantOut: `notes: "##\u005bstop-commands]tok\n  ::warning::FORGED\u202e"`},
	}
}

// ourCommand is a workflow command mlabctl writes itself: an annotation on
// a position of the file, or a mask.
var ourCommand = regexp.MustCompile(`^::(error|warning) file=[^:]*,line=\d+,col=\d+::|^::add-mask::`)

func TestHostileInputs(t *testing.T) {
	t.Parallel()
	for _, tc := range hostileCases() {
		for _, actions := range []bool{false, true} {
			name := tc.name
			if actions {
				name += " (GitHub Actions)"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				em := emulatortest.Start(t)
				if tc.seed != nil {
					tc.seed(em)
				}
				env := clitest.DemoEnv(em)
				if tc.answer != nil {
					ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						if !tc.answer(w, r) {
							em.Server.ServeHTTP(w, r)
						}
					}))
					t.Cleanup(ts.Close)
					env[cmdutil.EnvBaseURL] = ts.URL
				}
				if actions {
					env["GITHUB_ACTIONS"] = "true"
					env["GITHUB_STEP_SUMMARY"] = filepath.Join(t.TempDir(), "summary.md")
				}
				for k, v := range tc.env {
					env[k] = v
				}
				args := append([]string(nil), tc.args...)
				file := ""
				if tc.file != "" {
					file = filepath.Join(t.TempDir(), "modelslab.yaml")
					if err := os.WriteFile(file, []byte(tc.file), 0o644); err != nil {
						t.Fatal(err)
					}
					for i, a := range args {
						if a == "FILE" {
							args[i] = file
						}
					}
				}
				before, _ := em.Snapshot(em.Demo.Username)
				res := clitest.Mlabctl(t, env, args...)
				if res.Code != tc.wantCode {
					t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.Code, tc.wantCode, clip(res.Stdout), clip(res.Stderr))
				}
				wantErr := strings.ReplaceAll(tc.wantErr, "FILE", file)
				if !strings.Contains(res.Stderr, wantErr) {
					t.Errorf("stderr lacks %q:\n%s", wantErr, clip(res.Stderr))
				}
				if !strings.Contains(res.Stdout, tc.wantOut) {
					t.Errorf("stdout lacks %q:\n%s", tc.wantOut, clip(res.Stdout))
				}
				for stream, out := range map[string]string{"stdout": res.Stdout, "stderr": res.Stderr} {
					for _, p := range printProblems(out) {
						t.Errorf("%s: %s", stream, p)
					}
					if len(out) > 256<<10 {
						t.Errorf("%s holds %d bytes: a hostile answer floods the log", stream, len(out))
					}
				}
				if actions {
					summary, _ := os.ReadFile(env["GITHUB_STEP_SUMMARY"])
					for _, p := range printProblems(string(summary)) {
						t.Errorf("step summary: %s", p)
					}
				}
				assertUnchanged(t, em, before)
			})
		}
	}
}

// printProblems returns what is wrong with out as a terminal or a CI log
// would read it: raw control or invisible characters, and lines a GitHub
// Actions runner would take for a workflow command mlabctl did not write.
func printProblems(out string) []string {
	var problems []string
	for _, r := range out {
		if r != '\n' && r != '\t' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029') {
			problems = append(problems, fmt.Sprintf("a raw %U", r))
			break
		}
	}
	for _, line := range strings.Split(out, "\n") {
		trimmed := strings.TrimLeftFunc(line, unicode.IsSpace)
		if strings.HasPrefix(trimmed, "::") && !ourCommand.MatchString(trimmed) {
			problems = append(problems, fmt.Sprintf("a line the runner reads as a command: %q", clip(line)))
		}
		if strings.Contains(line, "##[") {
			problems = append(problems, fmt.Sprintf("a legacy workflow command in %q", clip(line)))
		}
	}
	return problems
}

// clip shortens s for a failure message.
func clip(s string) string {
	if len(s) > 2000 {
		return s[:2000] + fmt.Sprintf("… (%d bytes)", len(s))
	}
	return s
}

// jsonMarshal is json.Marshal without HTML escapes.
func jsonMarshal(v any) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return []byte(strings.TrimSuffix(b.String(), "\n")), err
}
