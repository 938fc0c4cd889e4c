package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// flagEmulator runs a command against an in-process emulator seeded with a
// demo account, for the README's first command and for trying a file safely.
const flagEmulator = "emulator"

// demoSession starts an in-process emulator seeded with the demo account and
// returns a session on it.
//
// SCAFFOLDING: replaced by the owner of apply (the demo), keeping the signature.
func demoSession(c *cli.Context, o connectOptions) (*session, error) {
	return nil, errors.New("--emulator is not implemented yet")
}
