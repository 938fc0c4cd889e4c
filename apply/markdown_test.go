package apply

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/mlabctl/mlabctl/internal/golden"
)

func TestResultMarkdown(t *testing.T) {
	tests := []struct {
		name string
		fail map[string]error
	}{
		{"complete", nil},
		{"partial failure", map[string]error{
			"CreateAPIKey ci": errBoom,
			// A server message with markup must not become markup.
			"RevokeToken 2": errors.New("403 <b>no</b> | [click](http://x) `code` *bold*\nsecond line"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeClient{fail: tt.fail}
			sink := &memSink{}
			res, _ := Run(context.Background(), demoPlan(t), f, Options{Secrets: sink})
			var md bytes.Buffer
			res.WriteMarkdown(&md)
			golden.Check(t, filepath.Join("testdata", "markdown_"+map[bool]string{true: "complete", false: "partial_failure"}[tt.fail == nil]+".md"), []byte(md.String()))
			for name, key := range sink.keys {
				if bytes.Contains(md.Bytes(), []byte(key.Reveal())) {
					t.Errorf("the markdown holds the secret of %q", name)
				}
			}
		})
	}
}
