package main

import "github.com/urfave/cli/v2"

// SCAFFOLDING: replaced by the owner of the plan command.
func planCommand() *cli.Command { return nil }
