package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"

	"github.com/mlabctl/mlabctl/internal/limits"
)

// Handlers of /api-keys.

func (c *call) listKeys() reply {
	keys := c.acct.Keys
	return paginate(c, len(keys), func(i int) wireKey { return keyOf(keys[i], c.s.WholeKeysInLists) })
}

// keyParam returns the key the {id} of the route names.
func (c *call) keyParam() (*apiKey, *apiError) { return byIDParam(c, "API key", c.acct.keyByID) }

func (c *call) getKey() reply {
	k, e := c.keyParam()
	if e != nil {
		return fail(e)
	}
	return ok(keyOf(k, c.s.WholeKeysInLists))
}

// keyInput is the body of POST and PUT /api-keys; a nil field was not
// given.
type keyInput struct {
	Name  *string `json:"name"`
	Notes *string `json:"notes"`
}

// decodeKey reads and validates a key body; the name is required when
// creating a key, optional when updating one.
func (c *call) decodeKey(nameRequired bool) (keyInput, *apiError) {
	var in keyInput
	if e := c.decode(&in); e != nil {
		return in, e
	}
	fe := fieldErrors{}
	if in.Name == nil && nameRequired {
		fe.add("name", "is required")
	}
	if in.Name != nil {
		checkText(fe, "name", *in.Name, 1, limits.NameMax)
	}
	if in.Notes != nil {
		checkText(fe, "notes", *in.Notes, 0, limits.NotesMax)
	}
	return in, fe.err()
}

func (c *call) createKey() reply {
	in, e := c.decodeKey(true)
	if e != nil {
		return fail(e)
	}
	k := &apiKey{Name: *in.Name, CreatedAt: c.now}
	if in.Notes != nil {
		k.Notes = *in.Notes
	}
	c.s.st.addKey(c.acct, k)
	c.dirty = true
	return created(c.s.keyAnswer(k))
}

func (c *call) updateKey() reply {
	k, e := c.keyParam()
	if e != nil {
		return fail(e)
	}
	in, e := c.decodeKey(false)
	if e != nil {
		return fail(e)
	}
	if in.Name != nil {
		k.Name = *in.Name
	}
	if in.Notes != nil {
		k.Notes = *in.Notes
	}
	c.dirty = true
	return ok(keyOf(k, c.s.WholeKeysInLists))
}

func (c *call) deleteKey() reply {
	k, e := c.keyParam()
	if e != nil {
		return fail(e)
	}
	c.acct.deleteKey(k.ID)
	c.dirty = true
	return message("API key " + strconv.Quote(k.Name) + " deleted")
}

// addKey stores k in the account, filling ID and Secret when zero. Keys
// stay in id order.
func (st *state) addKey(a *account, k *apiKey) {
	assignID(&k.ID, &st.NextKeyID)
	if k.Secret == "" {
		k.Secret = newSecret("ml-", 20)
	}
	a.Keys = insertByID(a.Keys, k)
	a.keyByID[k.ID] = k
}

// newSecret returns prefix followed by n random bytes in hex.
func newSecret(prefix string, n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}
