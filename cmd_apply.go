package main

import "github.com/urfave/cli/v2"

// SCAFFOLDING: replaced by the owner of the apply command.
func applyCommand() *cli.Command { return nil }
