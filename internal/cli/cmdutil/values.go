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

// ValuesSliceFlag is a repeatable string flag each of whose values is
// completed from a known list (--target's sections). It is the
// *cli.StringSliceFlag it embeds in every other respect: c.StringSlice(name).
type ValuesSliceFlag struct {
	*cli.StringSliceFlag
	// Values are the values a shell offers, in the order listed.
	Values []string
}

// SliceWithValues returns f completing each of its values from values.
func SliceWithValues(f *cli.StringSliceFlag, values ...string) *ValuesSliceFlag {
	return &ValuesSliceFlag{StringSliceFlag: f, Values: values}
}

// WithListValues returns f completing a comma-separated list of values.
func WithListValues(f *cli.StringFlag, values ...string) *ValuesFlag {
	return &ValuesFlag{StringFlag: f, Values: values, List: true}
}
