package main

import "github.com/urfave/cli/v2"

// SCAFFOLDING: replaced by the owner of the emulator command.
func emulatorCommand() *cli.Command { return nil }
