package applycmd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mlabctl/mlabctl/apply"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/plan"
)

// Flags and variables of apply's state directory and account lock.
const (
	flagStateDir    = "state-dir"
	flagLockTimeout = "lock-timeout"
	// DefaultLockTimeout is how long an apply waits for another apply of
	// the same account by default: longer than most applies, short
	// enough that a CI job stuck behind a hung one fails the same hour.
	DefaultLockTimeout = 5 * time.Minute
)

// lockAccount takes the account lock of this apply (apply.LockAccount in
// the account's state directory, which it creates) once the session knows
// the account and before the live state is read for the plan: a plan
// computed while another apply of the account is changing it would be
// stale before it is shown. The account is the username the session acts
// as (GET /me: a team account after a switch), so that every way of
// reaching one account shares one lock. The lock is released by
// sess.Close, which the caller defers (or calls on failure), after
// everything else the session does. It returns the account's state
// directory.
//
// Another apply holding the lock makes this one say so on stderr and wait
// up to --lock-timeout; past it, or at once with --lock-timeout 0, apply
// exits 1 having changed nothing, naming the holder. Ctrl-C while waiting
// exits 1 too: nothing was changed. The demo emulator (--emulator) is a
// throwaway account of its own: nothing is locked or kept for it.
func lockAccount(ctx context.Context, o Options, sess *cmdutil.Session) (dir string, err error) {
	if o.Emulator {
		return "", nil
	}
	root, err := apply.StateRoot(o.SecretsOut, o.StateDir)
	if err != nil {
		return "", err
	}
	me, err := sess.Client.Me(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return "", cmdutil.Interrupted("reading which account the token acts on; nothing was changed", ctx.Err())
		}
		return "", fmt.Errorf("reading which account the token acts on: %w", cmdutil.ExplainAPIError(err))
	}
	account := me.Username
	dir, err = apply.MakeAccountStateDir(root, sess.BaseURL, account)
	if err != nil {
		return "", fmt.Errorf("%w (--%s DIR or %s choose another); nothing was changed", err, flagStateDir, cmdutil.EnvStateDir)
	}
	who := fmt.Sprintf("account %q at %s", plan.SanitizeLine(account), sess.BaseURL)
	unlock, err := apply.LockAccount(ctx, dir, o.LockTimeout, func(holder string) {
		fmt.Fprintf(o.IO.ErrOut, "Waiting for another apply of %s to finish (%s); --%s %s\n", who, holder, flagLockTimeout, shortDuration(o.LockTimeout))
	})
	var locked *apply.LockedError
	switch {
	case errors.As(err, &locked) && locked.Timeout <= 0:
		return "", fmt.Errorf("another apply of %s is running (%s), and --%s 0 does not wait; nothing was changed; run again once it is done (lock %s)", who, locked.Holder, flagLockTimeout, locked.Path)
	case errors.As(err, &locked):
		return "", fmt.Errorf("another apply of %s is still running after --%s %s (%s); nothing was changed; run again once it is done, or give it longer (lock %s)", who, flagLockTimeout, shortDuration(locked.Timeout), locked.Holder, locked.Path)
	case err != nil && ctx.Err() != nil:
		return "", cmdutil.Interrupted("waiting for another apply of "+who+"; nothing was changed", ctx.Err())
	case err != nil:
		return "", fmt.Errorf("%w; nothing was changed", err)
	}
	// From here on apply may send what must be recorded (Settle may send a
	// create again, Run sends the plan's): a second Ctrl-C no longer quits
	// on the spot but is apply's to handle (cli.InterruptContext's safety
	// net still ends the process if apply does not stop in time).
	_, release := cmdutil.InterruptsOf(ctx).Hold()
	closeSession := sess.Close
	sess.Close = func() {
		closeSession()
		if err := unlock(); err != nil {
			fmt.Fprintf(o.IO.ErrOut, "Warning: releasing the account lock: %v\n", err)
		}
		release()
	}
	return dir, nil
}

// shortDuration writes d as it is typed on a command line: 5m, 1h30m, 90s
// (Go's 5m0s, trimmed).
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
