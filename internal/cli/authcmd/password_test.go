package authcmd

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeTerminal answers hidden reads with the given lines, in turn.
func fakeTerminal(lines ...string) func() ([]byte, error) {
	return func() ([]byte, error) {
		if len(lines) == 0 {
			return nil, io.EOF
		}
		l := lines[0]
		lines = lines[1:]
		return []byte(l), nil
	}
}

func TestSecretInputPassword(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		in        secretInput
		stdin     string
		confirm   bool
		want      string
		wantErr   string
		wantPromp string
	}{
		{name: "stdin first line", in: secretInput{fromStdin: true}, stdin: "s3cret pass\nsecond line\n", want: "s3cret pass"},
		{name: "stdin CRLF", in: secretInput{fromStdin: true}, stdin: "s3cret\r\n", want: "s3cret"},
		{name: "stdin without newline", in: secretInput{fromStdin: true}, stdin: "s3cret", want: "s3cret"},
		{name: "stdin keeps surrounding spaces", in: secretInput{fromStdin: true}, stdin: " pass \n", want: " pass "},
		{name: "stdin empty", in: secretInput{fromStdin: true}, stdin: "", wantErr: "the first line of stdin is empty"},
		{name: "stdin blank first line", in: secretInput{fromStdin: true}, stdin: "\nsecond\n", wantErr: "the first line of stdin is empty"},
		{name: "stdin wins over a terminal", in: secretInput{fromStdin: true, terminal: true, readHidden: fakeTerminal("typed")}, stdin: "piped\n", want: "piped"},
		{name: "not a terminal", in: secretInput{}, wantErr: "no password: stdin is not a terminal"},
		{name: "terminal", in: secretInput{terminal: true, readHidden: fakeTerminal("typed")}, want: "typed", wantPromp: "Password: \n"},
		{name: "terminal confirmed", in: secretInput{terminal: true, readHidden: fakeTerminal("typed", "typed")}, confirm: true,
			want: "typed", wantPromp: "Password: \nRepeat password: \n"},
		{name: "terminal mismatch", in: secretInput{terminal: true, readHidden: fakeTerminal("typed", "other")}, confirm: true,
			wantErr: "the passwords do not match"},
		{name: "terminal empty", in: secretInput{terminal: true, readHidden: fakeTerminal("")}, wantErr: "the password is empty"},
		{name: "terminal closed", in: secretInput{terminal: true, readHidden: fakeTerminal()}, wantErr: "reading the password from the terminal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var prompts bytes.Buffer
			in := tc.in
			in.lines = bufio.NewReader(strings.NewReader(tc.stdin))
			in.prompts = &prompts
			got, err := in.password("Password", tc.confirm)
			if checkWantErr(t, err, tc.wantErr) {
				return
			}
			if got.Reveal() != tc.want {
				t.Errorf("password %q, want %q", got.Reveal(), tc.want)
			}
			if diff := cmp.Diff(tc.wantPromp, prompts.String()); diff != "" {
				t.Errorf("prompts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSecretInputCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		in      secretInput
		given   string
		stdin   string
		want    string
		wantErr string
	}{
		{name: "given", given: " 123456 ", want: "123456"},
		{name: "given wins on a terminal", in: secretInput{terminal: true}, given: "1", stdin: "2\n", want: "1"},
		{name: "prompted on a terminal", in: secretInput{terminal: true}, stdin: "654321\n", want: "654321"},
		{name: "not a terminal", stdin: "654321\n", wantErr: "no reset code: pass it with --code CODE"},
		{name: "stdin holds the password", in: secretInput{terminal: true, fromStdin: true}, stdin: "pw\n", wantErr: "no reset code"},
		{name: "empty answer", in: secretInput{terminal: true}, stdin: "\n", wantErr: "the reset code is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := tc.in
			in.lines = bufio.NewReader(strings.NewReader(tc.stdin))
			in.prompts = io.Discard
			got, err := in.code(tc.given, "reset code", "code")
			if checkWantErr(t, err, tc.wantErr) {
				return
			}
			if got != tc.want {
				t.Errorf("code %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNoPasswordSourceSaysWhatToDo(t *testing.T) {
	t.Parallel()
	for _, want := range []string{"--password-stdin", "never taken from a flag"} {
		if !strings.Contains(errNoPasswordSource.Error(), want) {
			t.Errorf("%q lacks %q", errNoPasswordSource, want)
		}
	}
}
