package remote

import (
	"context"
	"testing"
)

func TestSmokeMe(t *testing.T) {
	_, ts := serveCanned(t, answer{body: `{"data":{"id":1,"name":"A","socials":{"github":"x"},"preferences":{"nsfw_enabled":true}},"error":null,"meta":{"request_id":"r1"}}`})
	c := fastClient(t, ts.URL, nil)
	p, err := c.Me(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "1" || p.Socials.GitHub != "x" || !p.Preferences.NSFWContent {
		t.Fatalf("%+v", p)
	}
}
