package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"sort"
	"strconv"
)

// Handlers of /api-keys.

func (c *call) listKeys() reply {
	keys := c.acct.Keys
	return paginate(c, len(keys), func(i int) wireKey { return keyOf(keys[i], false) })
}

func (c *call) keyParam() (*apiKey, *apiError) {
	id, e := c.idParam("id", "API key")
	if e != nil {
		return nil, e
	}
	k := c.acct.findKey(id)
	if k == nil {
		return nil, errNotFound("API key " + strconv.FormatInt(id, 10))
	}
	return k, nil
}

func (c *call) getKey() reply {
	k, e := c.keyParam()
	if e != nil {
		return fail(e)
	}
	return ok(keyOf(k, false))
}

func (c *call) createKey() reply {
	var in struct {
		Name  *string `json:"name"`
		Notes *string `json:"notes"`
	}
	if e := c.decode(&in); e != nil {
		return fail(e)
	}
	fe := fieldErrors{}
	if in.Name == nil {
		fe.add("name", "is required")
	} else {
		checkText(fe, "name", *in.Name, 1, 100)
	}
	if in.Notes != nil {
		checkText(fe, "notes", *in.Notes, 0, 500)
	}
	if e := fe.err(); e != nil {
		return fail(e)
	}
	k := &apiKey{Name: *in.Name, CreatedAt: c.now}
	if in.Notes != nil {
		k.Notes = *in.Notes
	}
	c.s.st.addKey(c.acct, k)
	c.dirty = true
	return created(keyOf(k, true))
}

func (c *call) updateKey() reply {
	k, e := c.keyParam()
	if e != nil {
		return fail(e)
	}
	var in struct {
		Name  *string `json:"name"`
		Notes *string `json:"notes"`
	}
	if e := c.decode(&in); e != nil {
		return fail(e)
	}
	fe := fieldErrors{}
	if in.Name != nil {
		checkText(fe, "name", *in.Name, 1, 100)
	}
	if in.Notes != nil {
		checkText(fe, "notes", *in.Notes, 0, 500)
	}
	if e := fe.err(); e != nil {
		return fail(e)
	}
	if in.Name != nil {
		k.Name = *in.Name
	}
	if in.Notes != nil {
		k.Notes = *in.Notes
	}
	c.dirty = true
	return ok(keyOf(k, false))
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
	if k.ID == 0 {
		k.ID = st.NextKeyID
	}
	if k.ID >= st.NextKeyID {
		st.NextKeyID = k.ID + 1
	}
	if k.Secret == "" {
		k.Secret = newSecret("ml-", 20)
	}
	i := sort.Search(len(a.Keys), func(i int) bool { return a.Keys[i].ID >= k.ID })
	a.Keys = append(a.Keys, nil)
	copy(a.Keys[i+1:], a.Keys[i:])
	a.Keys[i] = k
	a.keyByID[k.ID] = k
}

// newSecret returns prefix followed by n random bytes in hex.
func newSecret(prefix string, n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}
