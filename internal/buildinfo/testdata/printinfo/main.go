// Command printinfo prints buildinfo.Read(), so that the tests can check
// what a binary built with release ldflags reports (the linker stamps only
// a real link, never a test binary's own package variables).
package main

import (
	"fmt"

	"github.com/mlabctl/mlabctl/internal/buildinfo"
)

func main() { fmt.Print(buildinfo.Read()) }
