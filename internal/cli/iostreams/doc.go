// Package iostreams owns what mlabctl knows about its standard streams:
// which of them is a terminal, whether output may be coloured, reading a
// line or a password from the terminal (giving up on Ctrl-C and restoring
// echo). Making text safe to print is package safetext's.
//
// Every command reads and writes through one *IOStreams that the factory
// hands it: System for a real run, Test for an in-process test, where a
// test decides which streams pretend to be terminals. Nothing else in the
// CLI looks at os.Stdin, os.Stdout or os.Stderr.
//
// It must not decide what a command prints or where a secret may go (those
// are the commands' business); it only says what the streams are.
package iostreams
