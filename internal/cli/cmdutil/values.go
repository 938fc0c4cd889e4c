package cmdutil

import "github.com/urfave/cli/v2"

// ValuesFlag is a string flag whose values are a known list (-o's formats,
// --expiry's lifetimes, --scopes' names), so that `mlabctl completion`
// offers them. It is the *cli.StringFlag it embeds in every other respect:
// parsing, help, c.String(name).
type ValuesFlag struct {
	*cli.StringFlag
	// Values are the values a shell offers, in the order listed.
	Values []string
	// List is true when the value is a comma-separated list of Values
	// (--scopes a,b): each element is completed.
	List bool
}

// WithValues returns f completing one of values.
func WithValues(f *cli.StringFlag, values ...string) *ValuesFlag {
	return &ValuesFlag{StringFlag: f, Values: values}
}

// WithListValues returns f completing a comma-separated list of values.
func WithListValues(f *cli.StringFlag, values ...string) *ValuesFlag {
	return &ValuesFlag{StringFlag: f, Values: values, List: true}
}
