// Package emulatorcmd is `mlabctl emulator`: it serves the local
// control-plane emulator on loopback, seeded with the demo account, until
// interrupted, with knobs that inject latency, failures and rate limits.
package emulatorcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/internal/atomicfile"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/internal/crash"
	"github.com/urfave/cli/v2"
)

// Options are the flags of `mlabctl emulator`.
type Options struct {
	Listen    string
	StatePath string
	Latency   time.Duration
	// LatencyJitter is --latency-jitter: a uniform extra in [0, d] per
	// request.
	LatencyJitter time.Duration
	FaultRate     float64
	FaultStatus   []int
	FaultRoutes   []string
	DropRate      float64
	// DropFirst drops the answers of the first N matching changes.
	DropFirst int
	// KeyAnswer and KeyAnswerFirst degrade create-key answers
	// (emulator.Faults.KeyAnswer).
	KeyAnswer      string
	KeyAnswerFirst int
	// Seed seeds the random faults, drops and jitter (0: a fixed default).
	Seed int64
	// IgnoreIdempotency plays a server that ignores Idempotency-Key
	// (emulator.Server.IgnoreIdempotency).
	IgnoreIdempotency bool
	RateLimit         float64
	PageSize          int
	// Variants is the reading of the API played (--api-profile and the
	// variant flags); VariantsNote describes it for the banner.
	Variants     emulator.Variants
	VariantsNote string
	Stdout       io.Writer
	ShutdownWait time.Duration
	// Now is the emulator's clock (created_at, expiry, last_used_at);
	// MLABCTL_TEST_NOW sets it for tests. nil means time.Now.
	Now func() time.Time
	// Dir is the directory the banner's "Try it" looks in for a file to
	// plan; "" is the working directory.
	Dir string
}

// defaultEmulatorListen is where the emulator listens unless told.
const defaultEmulatorListen = "127.0.0.1:8765"

// New returns the command.
func New(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:  "emulator",
		Usage: "Run the local control-plane emulator (a safe place to try a modelslab.yaml)",
		Description: "Serves the ModelsLab Agent Control Plane API on a loopback address, seeded with a demo\n" +
			"account, until Ctrl-C. Point mlabctl at it with MODELSLAB_BASE_URL and the printed token.\n" +
			"Nothing it does reaches modelslab.com. The knobs inject latency, failures and rate limits\n" +
			"to see how mlabctl behaves under them.\n\n" +
			"The public ModelsLab docs leave much of the API open (pagination, member status, token\n" +
			"lists, error bodies, rate-limit headers, …). By default the emulator plays the reading of\n" +
			"mlabctl's API.md; each variant flag below (named after a field of emulator.Variants) plays\n" +
			"another, and --api-profile documented turns on the strictest reading of the docs at once:\n" +
			"Laravel pagination and errors, invite_status, tokens as <id>|<secret> listed without\n" +
			"current, update answers of data null, Y-m-d H:i:s timestamps, replays flagged in the body,\n" +
			"the five documented socials, 120 requests a minute (20 for auth) with only\n" +
			"X-RateLimit-Remaining/Reset, invites that drop role and permissions, and only the\n" +
			"documented token expiries. Variant flags given with it change it further\n" +
			"(--api-profile documented --window 1s). A string flag takes default for the main\n" +
			"reading. docs/api-variants.md says what mlabctl does on each.\n\n" +
			"Call it by hand with curl (the API lives under /api/agents/v1):\n" +
			"  curl -H \"Authorization: Bearer $MODELSLAB_TOKEN\" http://127.0.0.1:8765/api/agents/v1/me",
		// The global flags (--base-url, --token, -f) are about talking to a
		// server; this command is the server, so it takes none of them.
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "listen", Value: defaultEmulatorListen, Usage: "loopback `HOST:PORT` to listen on (port 0 picks a free port)"},
			&cli.StringFlag{Name: "state", TakesFile: true, Usage: "keep the state in `FILE`: loaded at start (seeded with the demo account when new) and saved after every change"},
			&cli.DurationFlag{Name: "latency", Usage: "add `DURATION` to every API request (e.g. 20ms)"},
			&cli.DurationFlag{Name: "latency-jitter", Usage: "add a random extra of up to `DURATION` to each API request's latency (uniform, seeded by --seed), so that answers overtake each other"},
			&cli.Float64Flag{Name: "fault-rate", Usage: "fail this `FRACTION` (0 to 1) of API requests with --fault-status before handling them"},
			&cli.IntSliceFlag{Name: "fault-status", Usage: "HTTP `STATUS` of injected failures, used in turn (repeatable; default 503)"},
			&cli.StringSliceFlag{Name: "fault-route", Usage: "inject failures and drops only into requests whose \"METHOD /path\" starts with `ROUTE` (e.g. \"POST /api-keys\"; repeatable; default all)"},
			&cli.Float64Flag{Name: "drop-rate", Usage: "drop the response of this `FRACTION` (0 to 1) of changes after committing them (the connection closes)"},
			&cli.IntFlag{Name: "drop-first", Usage: "drop the responses of the first `N` changes (matching --fault-route) after committing them"},
			cmdutil.WithValues(&cli.StringFlag{Name: "key-answer", Usage: "answer POST /api-keys with the key's secret `FORM`: masked (as lists show it), empty (\"\") or missing (no key field); the key is created all the same"}, emulator.KeyAnswers...),
			&cli.IntFlag{Name: "key-answer-first", Usage: "degrade only the first `N` create answers with --key-answer (0: every one)"},
			&cli.Int64Flag{Name: "seed", Usage: "seed `N` of the random faults, drops and latency jitter (0: a fixed default, so runs repeat)"},
			&cli.BoolFlag{Name: "ignore-idempotency", Usage: "ignore the Idempotency-Key header, as a server that does not honour it would: a repeated key is neither replayed nor refused, every request is handled afresh"},
			&cli.Float64Flag{Name: "rate-limit", Usage: "allow `N` requests per second per token, then answer 429 with Retry-After (0: no limit)"},
			&cli.IntFlag{Name: "page-size", Usage: "default per_page of list endpoints, `N` from 1 to 100 (0: 50)"},
		}, variantCLIFlags()...),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return cmdutil.UsageErrorf("emulator takes no arguments, got %q", c.Args().Slice())
			}
			variants, err := variantsOf(c)
			if err != nil {
				return err
			}
			return run(c.Context, Options{
				Variants:          variants,
				VariantsNote:      describeVariants(c),
				Listen:            c.String("listen"),
				StatePath:         c.String("state"),
				Latency:           c.Duration("latency"),
				LatencyJitter:     c.Duration("latency-jitter"),
				DropFirst:         c.Int("drop-first"),
				KeyAnswer:         c.String("key-answer"),
				KeyAnswerFirst:    c.Int("key-answer-first"),
				Seed:              c.Int64("seed"),
				FaultRate:         c.Float64("fault-rate"),
				FaultStatus:       c.IntSlice("fault-status"),
				FaultRoutes:       c.StringSlice("fault-route"),
				DropRate:          c.Float64("drop-rate"),
				IgnoreIdempotency: c.Bool("ignore-idempotency"),
				RateLimit:         c.Float64("rate-limit"),
				PageSize:          c.Int("page-size"),
				Stdout:            f.IO.Out,
				ShutdownWait:      5 * time.Second,
				Now:               f.NowFunc(),
			})
		},
	}
}

// validate checks the options before anything starts.
func (o Options) validate() error {
	var problems []string
	if err := checkLoopback(o.Listen); err != nil {
		problems = append(problems, err.Error())
	}
	for name, d := range map[string]time.Duration{"--latency": o.Latency, "--latency-jitter": o.LatencyJitter} {
		if d < 0 {
			problems = append(problems, fmt.Sprintf("%s must not be negative, got %s", name, d))
		}
	}
	for name, n := range map[string]int{"--drop-first": o.DropFirst, "--key-answer-first": o.KeyAnswerFirst} {
		if n < 0 {
			problems = append(problems, fmt.Sprintf("%s must not be negative, got %d", name, n))
		}
	}
	if o.KeyAnswer != "" && !slices.Contains(emulator.KeyAnswers, o.KeyAnswer) {
		problems = append(problems, fmt.Sprintf("invalid --key-answer %q: use %s", o.KeyAnswer, strings.Join(emulator.KeyAnswers, ", ")))
	}
	if o.KeyAnswerFirst > 0 && o.KeyAnswer == "" {
		problems = append(problems, "--key-answer-first has no effect without --key-answer")
	}
	for name, v := range map[string]float64{"--fault-rate": o.FaultRate, "--drop-rate": o.DropRate} {
		if v < 0 || v > 1 {
			problems = append(problems, fmt.Sprintf("%s must be between 0 and 1, got %v", name, v))
		}
	}
	for _, s := range o.FaultStatus {
		if s < 400 || s > 599 {
			problems = append(problems, fmt.Sprintf("--fault-status must be an HTTP error status (400-599), got %d", s))
		}
	}
	if len(o.FaultStatus) > 0 && o.FaultRate == 0 {
		problems = append(problems, "--fault-status has no effect without --fault-rate")
	}
	if len(o.FaultRoutes) > 0 && o.FaultRate == 0 && o.DropRate == 0 && o.DropFirst == 0 {
		problems = append(problems, "--fault-route has no effect without --fault-rate, --drop-rate or --drop-first")
	}
	if o.RateLimit < 0 {
		problems = append(problems, fmt.Sprintf("--rate-limit must not be negative, got %v", o.RateLimit))
	}
	if o.PageSize < 0 || o.PageSize > 100 {
		problems = append(problems, fmt.Sprintf("--page-size must be from 1 to 100 (or 0 for the default 50), got %d", o.PageSize))
	}
	if len(problems) > 0 {
		return cmdutil.UsageError(errors.New(strings.Join(problems, "; ")))
	}
	return nil
}

// checkLoopback refuses a listen address that is not on loopback: the
// emulator prints a full-scope token and has no real security.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--listen %q is not HOST:PORT: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--listen %q is not a loopback address: the emulator is for local use only (use 127.0.0.1:PORT or [::1]:PORT)", addr)
}

// run serves until ctx is done (Ctrl-C, SIGTERM).
func run(ctx context.Context, o Options) error {
	if err := o.validate(); err != nil {
		return err
	}
	srv := emulator.New()
	srv.Now = o.Now
	// Before seeding: SanctumTokens shapes the demo's token.
	srv.Variants = o.Variants
	srv.Latency = o.Latency
	srv.LatencyJitter = o.LatencyJitter
	srv.IgnoreIdempotency = o.IgnoreIdempotency
	srv.RateLimit = o.RateLimit
	srv.DefaultPageSize = o.PageSize
	if o.FaultRate > 0 || o.DropRate > 0 || o.DropFirst > 0 || o.KeyAnswer != "" || o.Seed != 0 {
		srv.Faults = &emulator.Faults{Rate: o.FaultRate, Statuses: o.FaultStatus, Routes: o.FaultRoutes,
			DropRate: o.DropRate, DropFirst: o.DropFirst, KeyAnswer: o.KeyAnswer, KeyAnswerFirst: o.KeyAnswerFirst, Seed: o.Seed}
	}
	stateNote := "in memory only (use --state FILE to keep it)"
	if o.StatePath != "" {
		// Before Load: a state file is replaced after every change, so
		// what cannot be (a device, FIFO, directory, dangling link, a
		// directory without write access) is refused, untouched, at start.
		if err := atomicfile.Check(o.StatePath); err != nil {
			return fmt.Errorf("--state: %w", err)
		}
		switch err := srv.Load(o.StatePath); {
		case err == nil:
			stateNote = fmt.Sprintf("loaded from %s, saved after every change", o.StatePath)
		case errors.Is(err, fs.ErrNotExist):
			stateNote = fmt.Sprintf("new, saved to %s after every change", o.StatePath)
		default:
			return fmt.Errorf("--state: %w", err)
		}
	}
	// Seeding changes memory only; saving right after it writes the demo
	// account to a new state file and finds an unwritable path before the
	// first request does.
	demo := srv.SeedDemo()
	if o.StatePath != "" {
		srv.StatePath = o.StatePath
		if err := srv.Save(); err != nil {
			return fmt.Errorf("--state: %w", err)
		}
	}

	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("listening on %q: %w", o.Listen, err)
	}
	base := "http://" + ln.Addr().String()
	printEmulatorBanner(o.Stdout, base, stateNote, o.VariantsNote, o.faultsNote(), demo, tryIt(o.Dir))

	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	crash.Go(func() { served <- hs.Serve(ln) })
	select {
	case err := <-served:
		return fmt.Errorf("serving on %s: %w", base, err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), o.ShutdownWait)
	defer cancel()
	err = hs.Shutdown(shutdown)
	if errors.Is(err, context.DeadlineExceeded) {
		// A connection that never sent a request (a client's spare dial)
		// counts as busy for 5 seconds: close what is left. Every change
		// is already saved, so nothing is lost.
		err = hs.Close()
	}
	if err != nil {
		return fmt.Errorf("stopping the emulator: %w", err)
	}
	fmt.Fprintln(o.Stdout, "emulator stopped")
	return nil
}

// printEmulatorBanner prints where the emulator is and the demo account.
// The token is printed on purpose: it is a throwaway that only works on
// this local emulator, and the demo needs it. variantsNote names the
// reading of the API played, faultsNote what goes wrong on purpose; try
// are the commands that plan a file (tryIt).
func printEmulatorBanner(w io.Writer, base, stateNote, variantsNote, faultsNote string, demo emulator.Demo, try []string) {
	if variantsNote == "" {
		variantsNote = "API.md's main reading"
	}
	if faultsNote == "" {
		faultsNote = "none"
	}
	fmt.Fprintf(w, `mlabctl emulator: the ModelsLab control-plane API, locally (Ctrl-C stops it)

base URL: %[1]s
API root: %[1]s/api/agents/v1
outbox:   %[1]s/_emulator/outbox
state:    %[2]s
reading:  %[8]s
faults:   %[9]s

Demo account (a local throwaway: its token only works on this emulator):
email:    %[3]s
password: %[4]s
token:    %[5]s

Try it:
  export %[6]s=%[1]s
  export %[7]s=%[5]s
`, base, stateNote, demo.Email, demo.Password, demo.Token, cmdutil.EnvBaseURL, cmdutil.EnvToken, variantsNote, faultsNote)
	for _, l := range try {
		fmt.Fprintln(w, "  "+l)
	}
	// By hand: the API root is the base URL's /api/agents/v1.
	fmt.Fprintf(w, "  curl -H \"Authorization: Bearer $%s\" %s/api/agents/v1/me\n", cmdutil.EnvToken, base)
}

// faultsNote is the banner's line on the knobs that make the emulator
// misbehave on purpose (latency, failures, drops, degraded create answers,
// ignored Idempotency-Keys, rate limits), "" when none is set.
func (o Options) faultsNote() string {
	var parts []string
	add := func(format string, args ...any) { parts = append(parts, fmt.Sprintf(format, args...)) }
	if o.IgnoreIdempotency {
		add("--ignore-idempotency")
	}
	if o.Latency > 0 || o.LatencyJitter > 0 {
		add("--latency %s", o.Latency)
		if o.LatencyJitter > 0 {
			add("--latency-jitter %s", o.LatencyJitter)
		}
	}
	if o.FaultRate > 0 {
		add("--fault-rate %v", o.FaultRate)
	}
	if o.DropRate > 0 {
		add("--drop-rate %v", o.DropRate)
	}
	if o.DropFirst > 0 {
		add("--drop-first %d", o.DropFirst)
	}
	if len(o.FaultRoutes) > 0 && len(parts) > 0 {
		add("--fault-route %s", strings.Join(o.FaultRoutes, ", "))
	}
	if o.KeyAnswer != "" {
		add("--key-answer %s", o.KeyAnswer)
		if o.KeyAnswerFirst > 0 {
			add("--key-answer-first %d", o.KeyAnswerFirst)
		}
	}
	if o.RateLimit > 0 {
		add("--rate-limit %v", o.RateLimit)
	}
	if o.Seed != 0 && len(parts) > 0 {
		add("--seed %d", o.Seed)
	}
	return strings.Join(parts, ", ")
}

// tryIt returns the banner's commands that plan a file, naming only a file
// that exists: the repository's example (run from a checkout) or a
// modelslab.yaml in dir, by absolute path, so that the line works in any
// other terminal too; with neither, the demo account exported into a new
// modelslab.yaml first. dir "" is the working directory.
func tryIt(dir string) []string {
	if dir == "" {
		dir, _ = os.Getwd()
	}
	for _, rel := range []string{filepath.Join("examples", "modelslab.yaml"), cmdutil.DefaultFile} {
		path, err := filepath.Abs(filepath.Join(dir, rel))
		if err != nil {
			continue
		}
		if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
			return []string{"mlabctl plan -f " + cmdutil.ShellQuote(path)}
		}
	}
	return []string{
		"mlabctl export > modelslab.yaml   # the demo account as a file; edit it, then:",
		"mlabctl plan -f modelslab.yaml",
	}
}
