package emulatorcmd

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/emulator"
	"github.com/urfave/cli/v2"
)

// TestEveryVariantHasAFlag: each field of emulator.Variants has its flag,
// named after it, and a string field's usage names every value it takes,
// so that a knob added to the emulator cannot be missing from the command.
func TestEveryVariantHasAFlag(t *testing.T) {
	t.Parallel()
	flags := map[string]cli.Flag{}
	for _, f := range variantCLIFlags() {
		flags[f.Names()[0]] = f
	}
	typ := reflect.TypeOf(emulator.Variants{})
	for i := range typ.NumField() {
		field := typ.Field(i)
		name := kebab(field.Name)
		f, ok := flags[name]
		if !ok {
			t.Errorf("Variants.%s has no flag --%s", field.Name, name)
			continue
		}
		values := emulator.VariantValues(field.Name)
		if field.Type.Kind() == reflect.String && len(values) == 0 {
			t.Errorf("Variants.%s is a string but emulator.VariantValues lists no value for it", field.Name)
		}
		usage := f.(cli.DocGenerationFlag).GetUsage()
		for _, v := range append(values, defaultValue) {
			if field.Type.Kind() == reflect.String && !strings.Contains(usage, v+" (") {
				t.Errorf("--%s's usage does not say what %q plays: %s", name, v, usage)
			}
		}
	}
	if len(variantFlags) != typ.NumField() {
		t.Errorf("%d variant flags for %d fields of Variants", len(variantFlags), typ.NumField())
	}
}

// TestServesTheDocumentedProfile serves the emulator with --api-profile
// documented and checks on the wire that it plays it: the banner says so,
// the demo's token is a Sanctum token, lists are Laravel pages, and the
// rate-limit headers are only Remaining and Reset.
func TestServesTheDocumentedProfile(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, Options{Listen: "127.0.0.1:0", Variants: emulator.Documented(), VariantsNote: "profile documented", Stdout: pw, ShutdownWait: time.Second})
		pw.Close()
	}()
	banner := map[string]string{}
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok {
			banner[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		if strings.HasPrefix(sc.Text(), "token:") {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if banner["reading"] != "profile documented" {
		t.Errorf("banner reading %q", banner["reading"])
	}
	token := banner["token"]
	if !strings.Contains(token, "|") {
		t.Errorf("the demo token %q is not a Sanctum token <id>|<secret>", token)
	}
	req, _ := http.NewRequest(http.MethodGet, banner["API root"]+"/api-keys?page=1", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"current_page"`) {
		t.Errorf("GET /api-keys: %d %s, want a Laravel page", resp.StatusCode, body)
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "" || resp.Header.Get("X-RateLimit-Reset") == "" || resp.Header.Get("X-RateLimit-Limit") != "" {
		t.Errorf("rate-limit headers %v, want only Remaining and Reset", resp.Header)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestVariantsOf: the profile first, then every variant flag given over
// it; default names API.md's reading.
func TestVariantsOf(t *testing.T) {
	t.Parallel()
	doc := emulator.Documented()
	docFast := doc
	docFast.Window, docFast.Pagination, docFast.OmitRetryAfter = time.Second, "", false
	for _, tc := range []struct {
		args []string
		want emulator.Variants
	}{
		{nil, emulator.Variants{}},
		{[]string{"--api-profile", "default"}, emulator.Variants{}},
		{[]string{"--api-profile", "documented"}, doc},
		{[]string{"--api-profile", "documented", "--window", "1s", "--pagination", "default", "--omit-retry-after=false"}, docFast},
		{[]string{"--pagination", "items", "--omit-token-current", "--window-limit", "20", "--window", "2s", "--omit-retry-after"},
			emulator.Variants{Pagination: "items", OmitTokenCurrent: true, WindowLimit: 20, Window: 2 * time.Second, OmitRetryAfter: true}},
	} {
		var got emulator.Variants
		app := &cli.App{Flags: variantCLIFlags(), Action: func(c *cli.Context) error {
			var err error
			got, err = variantsOf(c)
			return err
		}}
		if err := app.Run(append([]string{"emulator"}, tc.args...)); err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%v:\n got %+v\nwant %+v", tc.args, got, tc.want)
		}
	}
}
