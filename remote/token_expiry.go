package remote

import (
	"fmt"
	"slices"
	"strings"
)

// Token lifetimes, as login, refresh and switch-account take them in
// token_expiry.
const (
	TokenExpiry1Week   = "1_week"
	TokenExpiry1Month  = "1_month"
	TokenExpiry3Months = "3_months"
	TokenExpiry6Months = "6_months"
	TokenExpiry1Year   = "1_year"
	TokenExpiryNever   = "never"
)

// ShortestTokenExpiry is the shortest documented lifetime: what an
// ephemeral login or switch asks for.
const ShortestTokenExpiry = TokenExpiry1Week

// TokenExpiries are every value the client knows, in order of length:
// the documented ones and the two only the official CLI uses.
var TokenExpiries = []string{TokenExpiry1Week, TokenExpiry1Month, TokenExpiry3Months, TokenExpiry6Months, TokenExpiry1Year, TokenExpiryNever}

// undocumentedExpiries appear only in the official CLI, not in the public
// docs (API.md, last section).
var undocumentedExpiries = []string{TokenExpiry6Months, TokenExpiry1Year}

// CheckTokenExpiry checks a token_expiry value: an error for a value the
// client does not know (naming the known ones), and undocumented true for
// 6_months and 1_year, which the public docs do not list (a server may
// refuse them; the CLI warns). The empty value (the server's default) is
// fine.
func CheckTokenExpiry(v string) (undocumented bool, err error) {
	if v == "" {
		return false, nil
	}
	if !slices.Contains(TokenExpiries, v) {
		return false, fmt.Errorf("token expiry %q is not one of %s", v, strings.Join(TokenExpiries, ", "))
	}
	return slices.Contains(undocumentedExpiries, v), nil
}

// UndocumentedExpiryWarning is the warning for an undocumented expiry.
func UndocumentedExpiryWarning(v string) string {
	return fmt.Sprintf("token expiry %q is not in the public API documentation (only in the official CLI); the server may refuse it or give the token another life", v)
}
