package main

import (
	"fmt"
	"strings"

	"github.com/mlabctl/mlabctl/remote"
	"github.com/urfave/cli/v2"
)

// The account subcommands need no token: signup, verify-email,
// resend-verification, forgot-password, reset-password.

const (
	flagName = "name"
	flagCode = "code"
)

// messageReport is the JSON of a subcommand whose result is a message.
type messageReport struct {
	Email   string `json:"email,omitempty"`
	Account string `json:"account,omitempty"`
	Message string `json:"message"`
}

// printMessage reports a message as text or JSON on stdout.
func printMessage(c *cli.Context, format string, r messageReport) error {
	if format == outputJSON {
		return writeJSON(c.App.Writer, r)
	}
	fmt.Fprintln(c.App.Writer, r.Message)
	return nil
}

func signupCommand() *cli.Command {
	return &cli.Command{
		Name:      "signup",
		Usage:     "Create an account; a verification code is emailed to it",
		UsageText: "mlabctl auth signup --email EMAIL --name NAME [--password-stdin]",
		Flags: withGlobals(
			emailFlag(),
			&cli.StringFlag{Name: flagName, Usage: "the account's display `NAME`"},
			passwordStdinFlag(),
			outputFlag(),
		),
		Action: runSignup,
	}
}

func runSignup(c *cli.Context) error {
	if err := checkArgs(c, 0); err != nil {
		return err
	}
	format, err := outputOf(c)
	if err != nil {
		return err
	}
	email, err := emailOf(c)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(c.String(flagName))
	if name == "" {
		return fmt.Errorf("no name: pass --%s NAME (the account's display name)", flagName)
	}
	password, err := newSecretInput(c).password("Password", true)
	if err != nil {
		return err
	}
	client, err := authClient(c)
	if err != nil {
		return err
	}
	res, err := client.Signup(c.Context, remote.SignupRequest{Email: email, Password: password, Name: name})
	if err != nil {
		return explainAPIError(fmt.Errorf("signing up %q: %w", email, err))
	}
	msg := fmt.Sprintf("Signed up %s. A verification code was emailed to it; then run:\n  mlabctl auth verify-email --token-file FILE CODE", email)
	return printMessage(c, format, messageReport{Email: email, Account: res.User.Username, Message: msg})
}

func verifyEmailCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify-email",
		Usage:     "Verify the account's email with the emailed code, receiving a first access token",
		UsageText: "mlabctl auth verify-email [--token-file FILE | --print-token] [--secrets-out FILE] CODE",
		ArgsUsage: "CODE",
		Flags: withGlobals(
			&cli.StringFlag{Name: flagCode, Usage: "the verification `CODE` from the email (or give it as the argument)"},
			tokenFileFlag(),
			printTokenFlag(),
			secretsOutFlag(),
			outputFlag(),
		),
		Action: runVerifyEmail,
	}
}

func runVerifyEmail(c *cli.Context) error {
	format, err := outputOf(c)
	if err != nil {
		return err
	}
	given, err := argOrFlag(c, "the verification code", flagCode)
	if err != nil {
		return err
	}
	dest, err := tokenDestOf(c)
	if err != nil {
		return err
	}
	secretsOut, err := secretsOutOf(c)
	if err != nil {
		return err
	}
	code, err := newSecretInput(c).code(given, "verification code", flagCode)
	if err != nil {
		return err
	}
	client, err := authClient(c)
	if err != nil {
		return err
	}
	res, err := client.VerifyEmail(c.Context, code)
	if err != nil {
		return explainAPIError(fmt.Errorf("verifying the email: %w", err))
	}
	return deliverIssued(c, format, dest, secretsOut, issued{
		Action:    "Email verified; logged in",
		User:      res.User,
		Token:     res.AccessToken,
		Scopes:    res.Scopes,
		Expiry:    res.TokenExpiry,
		ExpiresAt: res.ExpiresAt,
		APIKey:    res.APIKey,
	})
}

func resendVerificationCommand() *cli.Command {
	return &cli.Command{
		Name:      "resend-verification",
		Usage:     "Email a new verification code to an account that is not verified yet",
		UsageText: "mlabctl auth resend-verification --email EMAIL",
		Flags:     withGlobals(emailFlag(), outputFlag()),
		Action: func(c *cli.Context) error {
			if err := checkArgs(c, 0); err != nil {
				return err
			}
			format, err := outputOf(c)
			if err != nil {
				return err
			}
			email, err := emailOf(c)
			if err != nil {
				return err
			}
			client, err := authClient(c)
			if err != nil {
				return err
			}
			msg, err := client.ResendVerification(c.Context, email)
			if err != nil {
				return explainAPIError(fmt.Errorf("resending the verification code to %q: %w", email, err))
			}
			if msg == "" {
				msg = "A new verification code was emailed to " + email + "."
			}
			return printMessage(c, format, messageReport{Email: email, Message: msg})
		},
	}
}

func forgotPasswordCommand() *cli.Command {
	return &cli.Command{
		Name:      "forgot-password",
		Usage:     "Email a password reset code (then run reset-password)",
		UsageText: "mlabctl auth forgot-password --email EMAIL",
		Flags:     withGlobals(emailFlag(), outputFlag()),
		Action: func(c *cli.Context) error {
			if err := checkArgs(c, 0); err != nil {
				return err
			}
			format, err := outputOf(c)
			if err != nil {
				return err
			}
			email, err := emailOf(c)
			if err != nil {
				return err
			}
			client, err := authClient(c)
			if err != nil {
				return err
			}
			if err := client.ForgotPassword(c.Context, email); err != nil {
				return explainAPIError(fmt.Errorf("requesting a password reset for %q: %w", email, err))
			}
			// The API answers the same whether or not the account exists
			// (no account enumeration), and so does this message.
			msg := fmt.Sprintf("If an account exists for %s, a reset code was emailed to it; then run:\n  mlabctl auth reset-password --email %s --code CODE", email, email)
			return printMessage(c, format, messageReport{Email: email, Message: msg})
		},
	}
}

func resetPasswordCommand() *cli.Command {
	return &cli.Command{
		Name:      "reset-password",
		Usage:     "Set a new password with the emailed reset code",
		UsageText: "mlabctl auth reset-password --email EMAIL [--code CODE] [--password-stdin]",
		Description: "The reset code comes from --code, or from a prompt on a terminal; the new password from a no-echo prompt\n" +
			"(typed twice) or the first line of stdin with --password-stdin.",
		Flags: withGlobals(
			emailFlag(),
			&cli.StringFlag{Name: flagCode, Usage: "the reset `CODE` from the email (prompted for on a terminal when absent)"},
			passwordStdinFlag(),
			outputFlag(),
		),
		Action: func(c *cli.Context) error {
			if err := checkArgs(c, 0); err != nil {
				return err
			}
			format, err := outputOf(c)
			if err != nil {
				return err
			}
			email, err := emailOf(c)
			if err != nil {
				return err
			}
			in := newSecretInput(c)
			code, err := in.code(c.String(flagCode), "reset code", flagCode)
			if err != nil {
				return err
			}
			password, err := in.password("New password", true)
			if err != nil {
				return err
			}
			client, err := authClient(c)
			if err != nil {
				return err
			}
			err = client.ResetPassword(c.Context, remote.ResetPasswordRequest{Email: email, Token: remote.Secret(code), Password: password})
			if err != nil {
				return explainAPIError(fmt.Errorf("resetting the password of %q: %w", email, err))
			}
			msg := fmt.Sprintf("Password of %s reset; log in with: mlabctl auth login --email %s --token-file FILE", email, email)
			return printMessage(c, format, messageReport{Email: email, Message: msg})
		},
	}
}
