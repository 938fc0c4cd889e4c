package main

import "github.com/urfave/cli/v2"

// SCAFFOLDING: replaced by the owner of the validate command.
func validateCommand() *cli.Command { return nil }
