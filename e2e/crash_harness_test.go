package e2e

// The harness of the crash matrix (crash_test.go): an `mlabctl emulator`
// child keeping its state in a file (read back to judge what happened,
// since it knows every key's value), runs of the binary that a trial
// kills, interrupts or overlaps, the state's fingerprint before and after
// each run, and the issue 11 invariants checked on the final state. What
// it prints on a failure never holds a secret: secrets are compared by
// equality and named by a short hash, and every output shown is redacted.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
)

// Environment variables of the crash matrix.
const (
	// envCrashTrials is how many trials each row and axis runs.
	envCrashTrials = "MLABCTL_CRASH_TRIALS"
	// envCrashSeed fixes the seed of the first trial (trial i uses seed+i),
	// to repeat a failure; unset, it is chosen from the clock and logged.
	envCrashSeed = "MLABCTL_CRASH_SEED"
	// envCrashKnown runs the rows known to fail too (crashScenario.knownOn).
	envCrashKnown = "MLABCTL_CRASH_KNOWN"
)

// defaultCrashTrials keeps the matrix within about 30 s on two CPUs (1
// trial: 15 s more for the e2e package, measured with -count=1); run more
// with MLABCTL_CRASH_TRIALS=20.
const defaultCrashTrials = 2

// demoEmail is the demo account's email, by which the account is found in
// the emulator's state file.
const demoEmail = "demo@mlabctl.example"

// crashTrials returns MLABCTL_CRASH_TRIALS, or the default.
func crashTrials(t *testing.T) int {
	v := os.Getenv(envCrashTrials)
	if v == "" {
		return defaultCrashTrials
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q is not a positive number", envCrashTrials, v)
	}
	return n
}

// crashSeed returns MLABCTL_CRASH_SEED, or a seed from the clock.
func crashSeed(t *testing.T) uint64 {
	v := os.Getenv(envCrashSeed)
	if v == "" {
		return uint64(time.Now().UnixNano()) % 1_000_000_000
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q is not a number", envCrashSeed, v)
	}
	return n
}

// emuChild is an `mlabctl emulator --state FILE` child process.
type emuChild struct {
	cmd     *exec.Cmd
	baseURL string
	token   string
	done    chan error
}

// startEmuChild starts the emulator on a free loopback port with its state
// in statePath and the knobs args, and waits for its banner. env is added
// to the child's environment (MLABCTL_TEST_NOW, say). The child is killed
// at the end of the test if it still runs.
func startEmuChild(t testing.TB, statePath string, env map[string]string, args ...string) *emuChild {
	t.Helper()
	return startEmuChildAt(t, "127.0.0.1:0", statePath, env, args...)
}

// startEmuChildAt is startEmuChild listening on listen.
func startEmuChildAt(t testing.TB, listen, statePath string, env map[string]string, args ...string) *emuChild {
	t.Helper()
	all := append([]string{"emulator", "--listen", listen, "--state", statePath}, args...)
	e := &emuChild{cmd: exec.Command(binPath, all...), done: make(chan error, 1)}
	e.cmd.Env = crashEnv(filepath.Dir(statePath), env)
	var stderr bytes.Buffer
	e.cmd.Stderr = &stderr
	stdout, err := e.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.cmd.Start(); err != nil {
		t.Fatalf("starting mlabctl %v: %v", all, err)
	}
	t.Cleanup(func() {
		select {
		case <-e.done:
		default:
			e.cmd.Process.Kill()
			<-e.done
		}
	})
	banner := make(chan map[string]string, 1)
	go func() {
		fields := map[string]string{}
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && !strings.HasPrefix(sc.Text(), " ") {
				fields[k] = strings.TrimSpace(v)
			}
			if strings.HasPrefix(sc.Text(), "token:") {
				banner <- fields
				break
			}
		}
		io.Copy(io.Discard, stdout)
		e.done <- e.cmd.Wait()
		close(banner)
	}()
	select {
	case fields, ok := <-banner:
		if !ok {
			t.Fatalf("mlabctl %v exited before its banner: %s", all, stderr.String())
		}
		e.baseURL, e.token = fields["base URL"], fields["token"]
	case <-time.After(30 * time.Second):
		t.Fatalf("no banner from mlabctl %v within 30s", all)
	}
	if e.baseURL == "" || e.token == "" {
		t.Fatalf("the emulator's banner lacks the base URL or the token")
	}
	return e
}

// stop interrupts the emulator and waits for it to exit (every change is
// saved to its state file as it happens).
func (e *emuChild) stop(t testing.TB) {
	t.Helper()
	e.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-e.done:
		e.done <- err // for the cleanup
		if err != nil {
			t.Fatalf("the emulator exited with %v after an interrupt", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the emulator did not stop within 20s of an interrupt")
	}
}

// restart stops the emulator and starts it again from its state file, on
// the same address (the account's state directory, and so the journal, is
// per base URL: a server that restarts keeps its URL), with the knobs args.
func (e *emuChild) restart(t testing.TB, statePath string, args ...string) *emuChild {
	t.Helper()
	e.stop(t)
	listen := strings.TrimPrefix(e.baseURL, "http://")
	return startEmuChildAt(t, listen, statePath, nil, args...)
}

// crashEnv is the environment of a child of a trial: PATH, HOME in the
// trial's directory (the same for every run of a trial, as for a user),
// and env.
func crashEnv(home string, env map[string]string) []string {
	out := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// emuState is the part of the emulator's state file (emulator/state.go)
// that the invariants are about.
type emuState struct {
	Accounts []struct {
		Email    string          `json:"email"`
		Name     string          `json:"name"`
		Username string          `json:"username"`
		AboutMe  string          `json:"about_me"`
		Socials  json.RawMessage `json:"socials"`
		Prefs    json.RawMessage `json:"preferences"`
		Keys     []emuKey        `json:"api_keys"`
		Members  []emuMember     `json:"team_members"`
	} `json:"accounts"`
	Outbox []json.RawMessage `json:"outbox"`
}

// emuKey is a stored API key; Secret is its value, never printed.
type emuKey struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Notes     string    `json:"notes"`
	Secret    string    `json:"key"`
	CreatedAt time.Time `json:"created_at"`
}

// emuMember is a stored team member or pending invite.
type emuMember struct {
	ID          int64    `json:"id"`
	Email       string   `json:"email"`
	Role        string   `json:"role"`
	Permissions []string `json:"permissions"`
	Status      string   `json:"status"`
}

// fingerprint is what a run may change on the demo account, without any
// secret: compared before and after a run that exits 1.
type fingerprint struct {
	Profile []string
	Keys    []string
	Members []string
	Mails   int
}

// accountState is the demo account as the state file holds it.
type accountState struct {
	keys    []emuKey
	members []emuMember
	print   fingerprint
}

// readAccount reads the demo account from the emulator's state file.
func readAccount(t testing.TB, statePath string) accountState {
	t.Helper()
	data, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatalf("reading the emulator's state: %v", err)
	}
	var st emuState
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatalf("the emulator's state file: %v", err)
	}
	for _, a := range st.Accounts {
		if a.Email != demoEmail {
			continue
		}
		out := accountState{keys: a.Keys, members: a.Members}
		out.print.Profile = []string{a.Name, a.Username, a.AboutMe, string(a.Socials), string(a.Prefs)}
		for _, k := range a.Keys {
			out.print.Keys = append(out.print.Keys, fmt.Sprintf("id %d %q notes %q", k.ID, k.Name, k.Notes))
		}
		for _, m := range a.Members {
			out.print.Members = append(out.print.Members, fmt.Sprintf("id %d %s %s %v %s", m.ID, m.Email, m.Role, m.Permissions, m.Status))
		}
		out.print.Mails = len(st.Outbox)
		return out
	}
	t.Fatalf("the emulator's state has no account %s", demoEmail)
	return accountState{}
}

// liveKeys returns the account's keys named name.
func (a accountState) liveKeys(name string) []emuKey {
	var out []emuKey
	for _, k := range a.keys {
		if k.Name == name {
			out = append(out, k)
		}
	}
	return out
}

// secretHash names a secret in a message: a short hash, never the value.
func secretHash(s string) string {
	if s == "" {
		return `""`
	}
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:4])
}

// runRecord is one run of the binary in a trial.
type runRecord struct {
	label  string
	args   []string
	code   int  // exit code, or 128 + the signal that ended it
	killed bool // ended by the trial's kill -9
	// timedOut: it ran past runTimeout and was killed for it.
	timedOut bool
	// signalled: the trial sent it SIGINT (and maybe SIGTERM), so 130 is
	// an allowed exit.
	signalled bool
	// bySignal: the process did not exit; a signal's default action ended
	// it (code is then 128 + the signal).
	bySignal bool
	// attributable: no other run of the trial overlapped it, so a change
	// between before and after is its own.
	attributable  bool
	before, after fingerprint
	stdout        string
	stderr        string
	took          time.Duration
}

// exitText describes how the run ended.
func (r runRecord) exitText() string {
	switch {
	case r.killed:
		return r.label + ": killed"
	case r.signalled:
		return fmt.Sprintf("%s: %d (signalled)", r.label, r.code)
	}
	return fmt.Sprintf("%s: %d", r.label, r.code)
}

// crashRun is a run of the binary in progress.
type crashRun struct {
	rec    runRecord
	cmd    *exec.Cmd
	stdout bytes.Buffer
	stderr bytes.Buffer
	start  time.Time
	done   chan struct{}
	err    error
	ctx    context.Context
	cancel context.CancelFunc
	// sentKill: the trial sent it SIGKILL.
	sentKill bool
}

// runTimeout bounds a run of the binary: far beyond any apply of the
// matrix, short of the package's timeout.
const runTimeout = 2 * time.Minute

// crashTrial is one trial of a row: its own directory, emulator, spec and
// secrets file, and the runs it made.
type crashTrial struct {
	t        *testing.T
	seed     uint64
	rng      *rand.Rand
	scenario string
	dir      string
	state    string // the emulator's state file
	secrets  string // --secrets-out
	spec     string // -f
	emu      *emuChild
	mu       sync.Mutex
	runs     []runRecord
	// seen are the secrets of every key the trial read from the state,
	// deleted ones included: no output may hold one.
	seen map[string]bool
}

// newCrashTrial prepares a trial's directory with spec as modelslab.yaml.
func newCrashTrial(t *testing.T, scenario string, seed uint64, spec string) *crashTrial {
	dir := t.TempDir()
	// The row is part of the generator's seed: rows of one seed draw
	// different moments, and a seed repeats a trial of the row named.
	h := fnv.New64a()
	h.Write([]byte(scenario))
	tr := &crashTrial{t: t, seed: seed, rng: rand.New(rand.NewPCG(seed, h.Sum64())), scenario: scenario, dir: dir,
		state: filepath.Join(dir, "emulator-state.json"), secrets: filepath.Join(dir, "secrets.json"),
		spec: filepath.Join(dir, "modelslab.yaml"), seen: map[string]bool{}}
	if err := os.WriteFile(tr.spec, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	return tr
}

// account reads the demo account from the trial's emulator state and
// remembers the secrets in it.
func (tr *crashTrial) account() accountState {
	tr.t.Helper()
	a := readAccount(tr.t, tr.state)
	tr.mu.Lock()
	for _, k := range a.keys {
		tr.seen[k.Secret] = true
	}
	tr.mu.Unlock()
	return a
}

// between returns a duration drawn uniformly from [lo, hi] by the trial's
// generator.
func (tr *crashTrial) between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(tr.rng.Int64N(int64(hi-lo)+1))
}

// env is the environment of a run against the trial's emulator.
func (tr *crashTrial) env() []string {
	return crashEnv(tr.dir, map[string]string{cmdutil.EnvBaseURL: tr.emu.baseURL, cmdutil.EnvToken: tr.emu.token})
}

// applyArgs is the plain apply of the trial's file and secrets file.
func (tr *crashTrial) applyArgs() []string {
	return []string{"apply", "-f", tr.spec, "--auto-approve", "--secrets-out", tr.secrets}
}

// start starts the binary with args; attributable says that no other run
// overlaps it (its fingerprint before is read now).
func (tr *crashTrial) start(label string, attributable bool, args ...string) *crashRun {
	tr.t.Helper()
	r := &crashRun{rec: runRecord{label: label, args: args, attributable: attributable}, done: make(chan struct{})}
	if attributable {
		r.rec.before = tr.account().print
	}
	// A run that hangs (a lock never released, say) fails the trial
	// instead of the whole package's timeout.
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	r.ctx, r.cancel = ctx, cancel
	r.cmd = exec.CommandContext(ctx, binPath, args...)
	r.cmd.Dir = tr.dir
	r.cmd.Env = tr.env()
	r.cmd.Stdout, r.cmd.Stderr = &r.stdout, &r.stderr
	r.start = time.Now()
	if err := r.cmd.Start(); err != nil {
		tr.t.Fatalf("starting mlabctl %v: %v", args, err)
	}
	go func() {
		r.err = r.cmd.Wait()
		r.rec.took = time.Since(r.start)
		close(r.done)
	}()
	tr.t.Cleanup(func() { r.cmd.Process.Kill(); <-r.done; cancel() })
	return r
}

// signal sends sig to the run unless it has ended; interrupting signals
// make 130 an allowed exit.
func (r *crashRun) signal(sig syscall.Signal) {
	select {
	case <-r.done:
		return
	default:
	}
	if sig == syscall.SIGKILL {
		r.sentKill = true
	} else {
		r.rec.signalled = true
	}
	r.cmd.Process.Signal(sig)
}

// wait waits for the run to end and records it in the trial.
func (tr *crashTrial) wait(r *crashRun) runRecord {
	tr.t.Helper()
	<-r.done
	r.cancel()
	rec := r.rec
	rec.stdout, rec.stderr = r.stdout.String(), r.stderr.String()
	var ee *exec.ExitError
	switch {
	case r.err == nil:
	case errors.As(r.err, &ee):
		rec.code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			// Ended by a signal's default action, as a shell reports it:
			// 128 + the signal (130 for SIGINT, 143 for SIGTERM).
			rec.killed = ws.Signal() == syscall.SIGKILL && r.sentKill
			rec.timedOut = errors.Is(r.ctx.Err(), context.DeadlineExceeded)
			rec.code = 128 + int(ws.Signal())
			rec.bySignal = true
		}
	default:
		tr.t.Fatalf("waiting for mlabctl %v: %v", rec.args, r.err)
	}
	if rec.attributable {
		rec.after = tr.account().print
	}
	tr.mu.Lock()
	tr.runs = append(tr.runs, rec)
	tr.mu.Unlock()
	return rec
}

// run runs the binary to its end, alone.
func (tr *crashTrial) run(label string, args ...string) runRecord {
	tr.t.Helper()
	return tr.wait(tr.start(label, true, args...))
}

// converge runs the plain apply at most twice, stopping when a plan
// finds nothing to do, and returns the last plan's run.
func (tr *crashTrial) converge() runRecord {
	tr.t.Helper()
	var plan runRecord
	for i := 1; i <= 2; i++ {
		tr.run(fmt.Sprintf("apply %d after", i), tr.applyArgs()...)
		plan = tr.run(fmt.Sprintf("plan %d after", i), "plan", "-f", tr.spec, "--detailed-exitcode")
		if plan.code == 0 {
			break
		}
	}
	return plan
}

// declared is what a trial's file declares that the invariants check.
type declared struct {
	// created are the key names mlabctl creates (not the demo's own).
	created []string
	// keys are every declared key name.
	keys []string
	// members are the declared team emails.
	members []string
}

// checkInvariants checks issue 11's invariants on the trial's final state
// and runs, and fails the trial with everything needed to repeat it.
func (tr *crashTrial) checkInvariants(d declared, lastPlan runRecord, extra []string) {
	tr.t.Helper()
	final := tr.account()
	problems := append([]string(nil), extra...)
	// subjects are what the problems are about, to show the lines of the
	// runs' output that mention them.
	var subjects []string

	// Every declared key exists exactly once.
	for _, name := range d.keys {
		if n := len(final.liveKeys(name)); n != 1 {
			problems = append(problems, fmt.Sprintf("api_key.%s: %d live keys, want exactly 1", name, n))
			subjects = append(subjects, "api_key."+name, strconv.Quote(name))
		}
	}
	for _, email := range d.members {
		n := 0
		for _, m := range final.members {
			if strings.EqualFold(m.Email, email) {
				n++
			}
		}
		if n != 1 {
			problems = append(problems, fmt.Sprintf("team_member.%s: %d entries, want exactly 1", email, n))
			subjects = append(subjects, email)
		}
	}

	// The secrets file holds the live secret of every key mlabctl created.
	secrets := map[string]string{}
	switch data, err := os.ReadFile(tr.secrets); {
	case errors.Is(err, fs.ErrNotExist) && len(d.created) == 0:
		// No key to create: no secrets file is right.
	case err != nil:
		problems = append(problems, fmt.Sprintf("secrets file: %v", err))
	default:
		if err := json.Unmarshal(data, &secrets); err != nil {
			problems = append(problems, fmt.Sprintf("secrets file is not a JSON object of name to key: %v", err))
		}
		if fi, err := os.Stat(tr.secrets); err == nil && fi.Mode().Perm() != 0o600 {
			problems = append(problems, fmt.Sprintf("secrets file has mode %v, want 0600", fi.Mode().Perm()))
		}
	}
	for _, name := range d.created {
		live := final.liveKeys(name)
		got, ok := secrets[name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("api_key.%s: the secrets file has no secret for it (live: %s)", name, keyHashes(live)))
			subjects = append(subjects, "api_key."+name, strconv.Quote(name))
		case !slices.ContainsFunc(live, func(k emuKey) bool { return k.Secret == got }):
			problems = append(problems, fmt.Sprintf("api_key.%s: the secrets file holds %s, which is no live key's (live: %s)", name, secretHash(got), keyHashes(live)))
			subjects = append(subjects, "api_key."+name, strconv.Quote(name))
		}
	}

	// The plan is empty.
	if lastPlan.code != 0 {
		problems = append(problems, fmt.Sprintf("the last plan exits %d, want 0 (no changes)", lastPlan.code))
	}

	// Exits are 0, 1, 3, 4 (and 130 for a signalled run); 1 only when
	// nothing changed.
	secretList := tr.secretList()
	for _, r := range tr.runs {
		if r.timedOut {
			problems = append(problems, fmt.Sprintf("%s did not end within %v (then killed)", r.label, runTimeout))
			continue
		}
		if r.killed {
			continue
		}
		if r.args[0] == "plan" {
			// 3 is a refused plan; the last plan must be 0 (above).
			if r.code != 0 && r.code != 2 && r.code != 3 {
				problems = append(problems, fmt.Sprintf("%s exits %d, want 0, 2 or 3", r.label, r.code))
			}
		} else {
			allowed := []int{0, 1, 3, 4}
			if r.signalled {
				allowed = append(allowed, 130)
			}
			switch {
			case slices.Contains(allowed, r.code):
			case r.bySignal && r.attributable && cmp.Equal(r.before, r.after):
				// A signal that came before mlabctl took over its signals
				// (the first milliseconds of the process) ends it by the
				// default action; nothing had started.
			case r.bySignal:
				problems = append(problems, fmt.Sprintf("%s was ended by signal %d (exit %d) and changed the account", r.label, r.code-128, r.code))
			default:
				problems = append(problems, fmt.Sprintf("%s exits %d, want one of %v", r.label, r.code, allowed))
			}
			if r.code == 1 && r.attributable {
				if diff := cmp.Diff(r.before, r.after); diff != "" {
					problems = append(problems, fmt.Sprintf("%s exits 1 (nothing changed) but the account changed (-before +after):\n%s", r.label, diff))
				}
			}
		}
		for _, s := range secretList {
			if strings.Contains(r.stdout+r.stderr, s) {
				problems = append(problems, fmt.Sprintf("the output of %s holds the secret %s", r.label, secretHash(s)))
			}
		}
	}

	problems = append(problems, tr.secretsInFiles(secretList)...)

	if len(problems) == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d, scenario %q: the invariants do not hold\n", tr.seed, tr.scenario)
	run := "TestCrashMatrix"
	for _, part := range strings.Split(tr.scenario, "/") {
		run += "/^" + regexp.QuoteMeta(part) + "$"
	}
	fmt.Fprintf(&b, "repeat: %s=%d %s=1 go test ./e2e -count=1 -run '%s'\n", envCrashSeed, tr.seed, envCrashTrials, run)
	fmt.Fprintf(&b, "exits: %s\n", tr.exits())
	for i, p := range problems {
		if i == maxProblems && len(problems) > maxProblems+1 {
			fmt.Fprintf(&b, "  - and %d more\n", len(problems)-i)
			break
		}
		fmt.Fprintf(&b, "  - %s\n", p)
	}
	for _, r := range tr.runs {
		out := r.stdout + r.stderr
		fmt.Fprintf(&b, "--- %s: mlabctl %s (%s, %v)\n", r.label, strings.Join(r.args[:1], " "), r.exitText(), r.took.Round(time.Millisecond))
		if lines := mentioning(out, subjects, 30); lines != "" && strings.Count(out, "\n") > 12 {
			fmt.Fprintf(&b, "  lines about the problems:\n%s  its end:\n", tr.redact(lines))
		}
		b.WriteString(tr.redact(tail(out, 12)))
	}
	tr.t.Error(b.String())
}

// secretsInFiles returns a problem for every file mlabctl wrote in the
// trial's directory (its HOME too: the journal, the lock, the state
// directory) that holds a secret; only the secrets file may, and the
// emulator's state, which is the server's.
func (tr *crashTrial) secretsInFiles(secrets []string) []string {
	var problems []string
	filepath.WalkDir(tr.dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		base := filepath.Base(path)
		stateBase := filepath.Base(tr.state)
		if path == tr.secrets || path == tr.state || strings.HasPrefix(base, "."+stateBase+".tmp") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil // a file removed as we walk
		}
		rel, _ := filepath.Rel(tr.dir, path)
		if strings.HasPrefix(base, "."+filepath.Base(tr.secrets)+".tmp-") {
			// A killed run's half-written secrets file: the next run
			// cleans it (issue 11), and it must not linger with secrets.
			problems = append(problems, fmt.Sprintf("%s: a temporary file of a killed write is left after the further applies", rel))
			return nil
		}
		var held []string
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				held = append(held, secretHash(s))
			}
		}
		if len(held) > 0 {
			problems = append(problems, fmt.Sprintf("%s holds %d secret(s) (%s); only the secrets file may", rel, len(held), strings.Join(held, ", ")))
		}
		return nil
	})
	return problems
}

// maxProblems is how many problems a failure lists before counting the
// rest: 60 duplicated keys say nothing more than 12.
const maxProblems = 12

// exits lists how every run ended.
func (tr *crashTrial) exits() string {
	var parts []string
	for _, r := range tr.runs {
		parts = append(parts, r.exitText())
	}
	return strings.Join(parts, ", ")
}

// secretList returns the secrets seen and the token, longest first (so
// that redacting a secret never leaves part of a longer one).
func (tr *crashTrial) secretList() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	out := []string{}
	for s := range tr.seen {
		if s != "" {
			out = append(out, s)
		}
	}
	if tr.emu != nil {
		out = append(out, tr.emu.token)
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// redact replaces every secret the trial knows of in text by its hash.
func (tr *crashTrial) redact(text string) string {
	for _, s := range tr.secretList() {
		text = strings.ReplaceAll(text, s, "[secret "+secretHash(s)+"]")
	}
	return text
}

// keyHashes describes live keys by id and secret hash.
func keyHashes(keys []emuKey) string {
	if len(keys) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("id %d %s", k.ID, secretHash(k.Secret)))
	}
	return strings.Join(parts, ", ")
}

// mentioning returns at most n lines of text that mention one of
// subjects, each indented.
func mentioning(text string, subjects []string, n int) string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if slices.ContainsFunc(subjects, func(s string) bool { return strings.Contains(line, s) }) {
			out = append(out, "    "+line)
		}
	}
	if len(out) == 0 {
		return ""
	}
	if len(out) > n {
		out = append(out[:n], fmt.Sprintf("    [%d lines more]", len(out)-n))
	}
	return strings.Join(out, "\n") + "\n"
}

// tail returns the last n lines of text, each indented.
func tail(text string, n int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[%d lines]", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return "    " + strings.Join(lines, "\n    ") + "\n"
}
