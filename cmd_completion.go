package main

import "github.com/urfave/cli/v2"

// SCAFFOLDING: replaced by the owner of the completion command.
func completionCommand() *cli.Command { return nil }
