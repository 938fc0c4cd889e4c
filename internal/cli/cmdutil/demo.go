package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/internal/crash"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/urfave/cli/v2"
)

// FlagEmulator runs a command against an in-process emulator seeded with a
// demo account, for the README's first command and for trying a file
// safely.
const FlagEmulator = "emulator"

// EmulatorFlag is the --emulator flag of plan, apply and export.
func EmulatorFlag() cli.Flag {
	return &cli.BoolFlag{
		Name:  FlagEmulator,
		Usage: "run against a throwaway emulator of the API inside this process, seeded with a demo account (nothing real is touched; --base-url and --token are ignored)",
	}
}

// DemoSession starts an in-process emulator seeded with the demo account
// (DEMO.md) on a loopback port and returns a session on it with the demo's
// full-scope token. The emulator lives until Close; its state is lost then,
// which is the point: nothing real is ever touched.
func (f *Factory) DemoSession(c *cli.Context) (*Session, error) {
	srv := emulator.New()
	if f.Clock != nil {
		srv.Now = f.Clock.Now // its rate-limit headers in the clients' time
	}
	if _, ok, _ := f.testNow(); ok {
		srv.Now = f.NowFunc() // MLABCTL_TEST_NOW: the account's times too
	}
	demo := srv.SeedDemo()
	if demo.Token == "" {
		return nil, errors.New("--emulator: the emulator did not seed its demo account")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("--emulator: listening on loopback: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	crash.Go(func() { _ = hs.Serve(ln) }) // returns http.ErrServerClosed on Close
	baseURL := "http://" + ln.Addr().String()

	notices := NewRateLimitNotices(f.IO.ErrOut)
	opts, err := f.remoteOptions(c, baseURL, remote.Secret(demo.Token), notices)
	if err != nil {
		hs.Close()
		return nil, err
	}
	client, err := remote.New(opts)
	if err != nil {
		hs.Close()
		return nil, fmt.Errorf("--emulator: %w", err)
	}
	fmt.Fprintf(f.IO.ErrOut, "Using a throwaway emulator of the ModelsLab API at %s, seeded with the demo account %s; nothing real is touched and it is gone when mlabctl exits.\n",
		baseURL, demo.Username)
	closed := false
	return &Session{
		Client:     client,
		BaseURL:    baseURL,
		RateLimits: notices,
		Close: func() {
			if closed {
				return
			}
			closed = true
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			hs.Shutdown(ctx)
		},
	}, nil
}
