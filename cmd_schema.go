package main

import "github.com/urfave/cli/v2"

// SCAFFOLDING: replaced by the owner of the schema command.
func schemaCommand() *cli.Command { return nil }
