package emulatorcmd

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/urfave/cli/v2"
)

// The readings of the API the emulator plays (emulator.Variants, API.md's
// last section, docs/api-variants.md): one flag per field, named after it,
// and --api-profile for a set of them at once.

// flagAPIProfile is --api-profile NAME.
const flagAPIProfile = "api-profile"

// variantFlag is the flag of one field of emulator.Variants.
type variantFlag struct {
	// name is the flag's name, field the Variants field it sets.
	name, field string
	flag        func(name string) cli.Flag
	// set copies the flag's value from c into v.
	set func(c *cli.Context, name string, v *emulator.Variants)
}

// choice is a string knob: usage starts with the flag's `PLACEHOLDER`
// and says what each value of emulator.VariantValues(field) plays, and
// default (API.md's reading).
func choice(field, usage string, set func(v *emulator.Variants, s string)) variantFlag {
	return variantFlag{
		field: field,
		flag: func(name string) cli.Flag {
			return cmdutil.WithValues(&cli.StringFlag{Name: name, Usage: usage}, append(emulator.VariantValues(field), defaultValue)...)
		},
		set: func(c *cli.Context, name string, v *emulator.Variants) {
			s := c.String(name)
			if s == defaultValue {
				s = ""
			}
			set(v, s)
		},
	}
}

// defaultValue names, on a string knob's flag, API.md's reading (the
// field's zero value): --api-profile documented --pagination default.
const defaultValue = "default"

func toggle(field, usage string, set func(v *emulator.Variants, b bool)) variantFlag {
	return variantFlag{
		field: field,
		flag:  func(name string) cli.Flag { return &cli.BoolFlag{Name: name, Usage: usage} },
		set:   func(c *cli.Context, name string, v *emulator.Variants) { set(v, c.Bool(name)) },
	}
}

// variantFlags are the flags of every field of emulator.Variants, each
// named after its field in kebab case (Pagination → --pagination).
var variantFlags = named([]variantFlag{
	choice("Pagination", "`SHAPE` of list pages: laravel (Laravel's meta.{current_page,last_page,…} and links), links (links.next only), items (data: {items, pagination}), none (the whole list, ?page ignored), default (meta.pagination)",
		func(v *emulator.Variants, s string) { v.Pagination = s }),
	choice("MemberStatus", "`SHAPE` of a team member's status: accepted (status accepted for members), invite_status (invite_status accepted/pending instead of status), default (status active/pending)",
		func(v *emulator.Variants, s string) { v.MemberStatus = s }),
	choice("Permissions", "`SHAPE` of a member's permissions: string (\"a,b\"), object ({\"a\": true}), default (a list)",
		func(v *emulator.Variants, s string) { v.Permissions = s }),
	toggle("OmitTokenCurrent", "GET /auth/tokens says of no token that it is the current one",
		func(v *emulator.Variants, b bool) { v.OmitTokenCurrent = b }),
	toggle("TokenAbilities", "tokens list their scopes as abilities, as Laravel Sanctum does",
		func(v *emulator.Variants, b bool) { v.TokenAbilities = b }),
	toggle("SanctumTokens", "issue access tokens as <id>|<secret>, as Laravel Sanctum does (the demo's token too)",
		func(v *emulator.Variants, b bool) { v.SanctumTokens = b }),
	choice("UpdateAnswers", "`ANSWER` to a successful PUT/PATCH: null (data null), message (data {message}), default (the changed object)",
		func(v *emulator.Variants, s string) { v.UpdateAnswers = s }),
	choice("Errors", "`SHAPE` of error answers: laravel (Laravel's {message, errors}), string (the error as a plain string), default ({error: {code, message, details}})",
		func(v *emulator.Variants, s string) { v.Errors = s }),
	toggle("OmitMeta", "leave meta.request_id out of every answer",
		func(v *emulator.Variants, b bool) { v.OmitMeta = b }),
	choice("Timestamps", "`FORMAT` of timestamps: sql (Y-m-d H:i:s in UTC), default (RFC 3339)",
		func(v *emulator.Variants, s string) { v.Timestamps = s }),
	choice("Replays", "`WHERE` an idempotent replay is flagged: body (idempotency_replay: true in the body), default (the Idempotent-Replayed header)",
		func(v *emulator.Variants, s string) { v.Replays = s }),
	choice("Socials", "`SET` of social links: documented (the five of the public docs; website neither reported nor stored), default (six, website too)",
		func(v *emulator.Variants, s string) { v.Socials = s }),
	{field: "WindowLimit",
		flag: func(name string) cli.Flag {
			return &cli.IntFlag{Name: name, Usage: "allow `N` requests per --window per token (or address), then answer 429 (0: no such limit)"}
		},
		set: func(c *cli.Context, name string, v *emulator.Variants) { v.WindowLimit = c.Int(name) }},
	{field: "AuthWindowLimit",
		flag: func(name string) cli.Flag {
			return &cli.IntFlag{Name: name, Usage: "allow `N` auth requests (login, signup, refresh, switch-account, …) per --window, counted apart (0: they count in --window-limit)"}
		},
		set: func(c *cli.Context, name string, v *emulator.Variants) { v.AuthWindowLimit = c.Int(name) }},
	{field: "Window",
		flag: func(name string) cli.Flag {
			return &cli.DurationFlag{Name: name, Usage: "the fixed window `DURATION` of --window-limit and --auth-window-limit (0: a minute)"}
		},
		set: func(c *cli.Context, name string, v *emulator.Variants) { v.Window = c.Duration(name) }},
	toggle("OmitRetryAfter", "send no Retry-After with a 429",
		func(v *emulator.Variants, b bool) { v.OmitRetryAfter = b }),
	toggle("OmitRateLimitLimit", "send no X-RateLimit-Limit (the public docs name only Remaining and Reset)",
		func(v *emulator.Variants, b bool) { v.OmitRateLimitLimit = b }),
	toggle("OmitRateLimitHeaders", "send no X-RateLimit-* header at all",
		func(v *emulator.Variants, b bool) { v.OmitRateLimitHeaders = b }),
	toggle("InviteIgnoresRole", "POST /teams drops role and permissions: every invite is a member until updated",
		func(v *emulator.Variants, b bool) { v.InviteIgnoresRole = b }),
	toggle("WholeKeysInLists", "GET /api-keys (and GET and PUT /api-keys/{id}) show every key's whole secret instead of the masked form",
		func(v *emulator.Variants, b bool) { v.WholeKeysInLists = b }),
	choice("TokenExpiries", "`WHICH` token_expiry values are accepted: documented (1_week, 1_month, 3_months, never; 6_months and 1_year are a 422), default (all six)",
		func(v *emulator.Variants, s string) { v.TokenExpiries = s }),
})

// named fills in each flag's name from its field.
func named(flags []variantFlag) []variantFlag {
	for i := range flags {
		flags[i].name = kebab(flags[i].field)
	}
	return flags
}

// kebab turns a Go field name into a flag name: OmitRateLimitLimit →
// omit-rate-limit-limit.
func kebab(field string) string {
	var b strings.Builder
	for i, r := range field {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// variantCLIFlags are --api-profile and the flags of variantFlags.
func variantCLIFlags() []cli.Flag {
	flags := []cli.Flag{cmdutil.WithValues(&cli.StringFlag{
		Name:  flagAPIProfile,
		Usage: "play a whole reading of the API at once: `PROFILE` " + strings.Join(emulator.ProfileNames(), " or ") + " (the strictest reading of the public docs; see docs/api-variants.md); the flags below change it further",
	}, emulator.ProfileNames()...)}
	for _, vf := range variantFlags {
		flags = append(flags, vf.flag(vf.name))
	}
	return flags
}

// variantsOf returns the reading the command line asks for: --api-profile,
// then every variant flag given, each over it. A value that names no
// variant is a usage error naming the valid ones.
func variantsOf(c *cli.Context) (emulator.Variants, error) {
	profile := c.String(flagAPIProfile)
	if c.IsSet(flagAPIProfile) && !slices.Contains(emulator.ProfileNames(), profile) {
		return emulator.Variants{}, cmdutil.UsageErrorf("invalid --%s %q: use %s", flagAPIProfile, profile, strings.Join(emulator.ProfileNames(), " or "))
	}
	v, err := emulator.ProfileVariants(profile)
	if err != nil {
		return emulator.Variants{}, cmdutil.UsageError(err)
	}
	var problems []string
	for _, vf := range variantFlags {
		if !c.IsSet(vf.name) {
			continue
		}
		if values := emulator.VariantValues(vf.field); values != nil {
			if given := c.String(vf.name); given != defaultValue && !slices.Contains(values, given) {
				problems = append(problems, fmt.Sprintf("invalid --%s %q: use %s or %s", vf.name, given, strings.Join(values, ", "), defaultValue))
				continue
			}
		}
		vf.set(c, vf.name, &v)
	}
	if v.WindowLimit < 0 || v.AuthWindowLimit < 0 || v.Window < 0 {
		problems = append(problems, "--window-limit, --auth-window-limit and --window must not be negative")
	}
	if len(problems) > 0 {
		return emulator.Variants{}, cmdutil.UsageErrorf("%s", strings.Join(problems, "; "))
	}
	if err := v.Check(); err != nil {
		return emulator.Variants{}, cmdutil.UsageError(err)
	}
	return v, nil
}

// describeVariants is the banner's line on the reading played: the
// profile and every flag given.
func describeVariants(c *cli.Context) string {
	var parts []string
	if p := c.String(flagAPIProfile); p != "" {
		parts = append(parts, "profile "+p)
	}
	for _, vf := range variantFlags {
		if c.IsSet(vf.name) {
			parts = append(parts, fmt.Sprintf("--%s=%v", vf.name, c.Value(vf.name)))
		}
	}
	if len(parts) == 0 {
		return "API.md's main reading (see --api-profile and the variant flags)"
	}
	return strings.Join(parts, ", ")
}
