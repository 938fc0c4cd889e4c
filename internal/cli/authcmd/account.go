package authcmd

import (
	"context"
	"fmt"
	"strings"

	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/urfave/cli/v2"
)

// The account subcommands need no token: signup, verify-email,
// resend-verification, forgot-password, reset-password. Each is an options
// struct resolved from the flags before any network call, and a run
// function.

const (
	flagName = "name"
	flagCode = "code"
)

// signupOptions are the resolved flags of `auth signup`.
type signupOptions struct {
	emailOptions
	Name string
}

func signupCommand(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:      "signup",
		Usage:     "Create an account; a verification code is emailed to it",
		UsageText: "mlabctl auth signup --email EMAIL --name NAME [--password-stdin]",
		Flags: cmdutil.WithGlobals(
			emailFlag(),
			&cli.StringFlag{Name: flagName, Usage: "the account's display `NAME`"},
			passwordStdinFlag(),
			outputFlag(),
		),
		Action: func(c *cli.Context) error {
			e, err := emailOptionsOf(f, c)
			if err != nil {
				return err
			}
			name := strings.TrimSpace(c.String(flagName))
			if name == "" {
				return fmt.Errorf("no name: pass --%s NAME (the account's display name)", flagName)
			}
			return runSignup(c.Context, signupOptions{emailOptions: e, Name: name})
		},
	}
}

func runSignup(ctx context.Context, o signupOptions) error {
	password, err := o.IO.Input.password("Password", true)
	if err != nil {
		return err
	}
	client, err := o.API.Anonymous()
	if err != nil {
		return err
	}
	res, err := client.Signup(ctx, remote.SignupRequest{Email: o.Email, Password: password, Name: o.Name})
	if err != nil {
		return fmt.Errorf("signing up %q: %w", o.Email, cmdutil.ExplainAPIError(err))
	}
	msg := fmt.Sprintf("Signed up %s. A verification code was emailed to it; then run:\n  mlabctl auth verify-email --token-file FILE CODE", o.Email)
	return o.IO.printMessage(messageReport{Email: o.Email, Account: res.User.Username, Message: msg})
}

// verifyEmailOptions are the resolved flags of `auth verify-email`.
type verifyEmailOptions struct {
	// Code is the code given (argument or --code); empty prompts on a
	// terminal.
	Code       string
	Dest       tokenDest
	SecretsOut string
	IO         authIO
	API        cmdutil.API
}

func verifyEmailCommand(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:      "verify-email",
		Usage:     "Verify the account's email with the emailed code, receiving a first access token",
		UsageText: "mlabctl auth verify-email [--token-file FILE | --print-token] [--secrets-out FILE] CODE",
		ArgsUsage: "CODE",
		Flags: cmdutil.WithGlobals(
			&cli.StringFlag{Name: flagCode, Usage: "the verification `CODE` from the email (or give it as the argument)"},
			tokenFileFlag(),
			printTokenFlag(),
			secretsOutFlag(),
			outputFlag(),
		),
		Action: func(c *cli.Context) error {
			streams, err := authIOOf(f, c)
			if err != nil {
				return err
			}
			code, err := argOrFlag(c, "the verification code", flagCode)
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
			return runVerifyEmail(c.Context, verifyEmailOptions{Code: code, Dest: dest, SecretsOut: secretsOut, IO: streams, API: f.API(c)})
		},
	}
}

func runVerifyEmail(ctx context.Context, o verifyEmailOptions) error {
	code, err := o.IO.Input.code(o.Code, "verification code", flagCode)
	if err != nil {
		return err
	}
	client, err := o.API.Anonymous()
	if err != nil {
		return err
	}
	res, err := client.VerifyEmail(ctx, code)
	if err != nil {
		return fmt.Errorf("verifying the email: %w", cmdutil.ExplainAPIError(err))
	}
	return deliverIssued(o.IO, o.Dest, o.SecretsOut, true, issued{
		Action:    "Email verified; logged in",
		User:      res.User,
		Token:     res.AccessToken,
		Scopes:    res.Scopes,
		Expiry:    res.TokenExpiry,
		ExpiresAt: res.ExpiresAt,
		APIKey:    res.APIKey,
	})
}

// emailOptions are the resolved flags of the subcommands that take only an
// email (resend-verification and forgot-password), and the part that
// signup, reset-password and login share (embedded in their options).
type emailOptions struct {
	Email string
	IO    authIO
	API   cmdutil.API
}

// emailOptionsOf resolves what every subcommand taking --email starts with:
// no arguments, the streams and -o, and the email.
func emailOptionsOf(f *cmdutil.Factory, c *cli.Context) (emailOptions, error) {
	if err := checkArgs(c, 0); err != nil {
		return emailOptions{}, err
	}
	streams, err := authIOOf(f, c)
	if err != nil {
		return emailOptions{}, err
	}
	email, err := emailOf(f, c)
	if err != nil {
		return emailOptions{}, err
	}
	return emailOptions{Email: email, IO: streams, API: f.API(c)}, nil
}

// emailCommand builds a subcommand whose only input is --email.
func emailCommand(f *cmdutil.Factory, name, usage string, run func(context.Context, emailOptions) error) *cli.Command {
	return &cli.Command{
		Name:      name,
		Usage:     usage,
		UsageText: "mlabctl auth " + name + " --email EMAIL",
		Flags:     cmdutil.WithGlobals(emailFlag(), outputFlag()),
		Action: func(c *cli.Context) error {
			o, err := emailOptionsOf(f, c)
			if err != nil {
				return err
			}
			return run(c.Context, o)
		},
	}
}

func resendVerificationCommand(f *cmdutil.Factory) *cli.Command {
	return emailCommand(f, "resend-verification", "Email a new verification code to an account that is not verified yet", runResendVerification)
}

func runResendVerification(ctx context.Context, o emailOptions) error {
	client, err := o.API.Anonymous()
	if err != nil {
		return err
	}
	msg, err := client.ResendVerification(ctx, o.Email)
	if err != nil {
		return fmt.Errorf("resending the verification code to %q: %w", o.Email, cmdutil.ExplainAPIError(err))
	}
	if msg == "" {
		msg = "A new verification code was emailed to " + o.Email + "."
	}
	return o.IO.printMessage(messageReport{Email: o.Email, Message: msg})
}

func forgotPasswordCommand(f *cmdutil.Factory) *cli.Command {
	return emailCommand(f, "forgot-password", "Email a password reset code (then run reset-password)", runForgotPassword)
}

func runForgotPassword(ctx context.Context, o emailOptions) error {
	client, err := o.API.Anonymous()
	if err != nil {
		return err
	}
	if err := client.ForgotPassword(ctx, o.Email); err != nil {
		return fmt.Errorf("requesting a password reset for %q: %w", o.Email, cmdutil.ExplainAPIError(err))
	}
	// The API answers the same whether or not the account exists (no
	// account enumeration), and so does this message.
	msg := fmt.Sprintf("If an account exists for %s, a reset code was emailed to it; then run:\n  mlabctl auth reset-password --email %s --code CODE", o.Email, o.Email)
	return o.IO.printMessage(messageReport{Email: o.Email, Message: msg})
}

// resetPasswordOptions are the resolved flags of `auth reset-password`.
type resetPasswordOptions struct {
	emailOptions
	// Code is --code; empty prompts on a terminal.
	Code string
}

func resetPasswordCommand(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:      "reset-password",
		Usage:     "Set a new password with the emailed reset code",
		UsageText: "mlabctl auth reset-password --email EMAIL [--code CODE] [--password-stdin]",
		Description: "The reset code comes from --code, or from a prompt on a terminal; the new password from a no-echo prompt\n" +
			"(typed twice) or the first line of stdin with --password-stdin.",
		Flags: cmdutil.WithGlobals(
			emailFlag(),
			&cli.StringFlag{Name: flagCode, Usage: "the reset `CODE` from the email (prompted for on a terminal when absent)"},
			passwordStdinFlag(),
			outputFlag(),
		),
		Action: func(c *cli.Context) error {
			e, err := emailOptionsOf(f, c)
			if err != nil {
				return err
			}
			return runResetPassword(c.Context, resetPasswordOptions{emailOptions: e, Code: c.String(flagCode)})
		},
	}
}

func runResetPassword(ctx context.Context, o resetPasswordOptions) error {
	code, err := o.IO.Input.code(o.Code, "reset code", flagCode)
	if err != nil {
		return err
	}
	password, err := o.IO.Input.password("New password", true)
	if err != nil {
		return err
	}
	client, err := o.API.Anonymous()
	if err != nil {
		return err
	}
	err = client.ResetPassword(ctx, remote.ResetPasswordRequest{Email: o.Email, Token: remote.Secret(code), Password: password})
	if err != nil {
		return fmt.Errorf("resetting the password of %q: %w", o.Email, cmdutil.ExplainAPIError(err))
	}
	msg := fmt.Sprintf("Password of %s reset; log in with: mlabctl auth login --email %s --token-file FILE", o.Email, o.Email)
	return o.IO.printMessage(messageReport{Email: o.Email, Message: msg})
}
