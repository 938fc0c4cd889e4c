package main

import "github.com/urfave/cli/v2"

// SCAFFOLDING: replaced by the owner of the auth command.
func authCommand() *cli.Command { return nil }
