// Package limits is the one source of the length and shape limits of the
// values mlabctl manages: modelslab.schema.json states them for editors and
// validate, the emulator enforces them on the wire, and export leaves live
// values past them unmanaged. Tests hold the schema file to these constants
// (TestSchemaAgrees), so the three can never drift apart again.
//
// Where the public ModelsLab documentation states a limit it is used here;
// it states none of these (see docs/limits.md), so each is the reading
// mlabctl commits to: the strictest value any source implied, so that a
// file validate accepts is never refused by the server for its length.
//
// The package has no dependencies: the emulator, which must not import the
// client (package remote), imports it as freely as spec and export do.
package limits

// Lengths are in characters (Unicode code points), as JSON Schema's
// maxLength counts them.
const (
	// NameMax bounds an API key name and the profile's display name.
	NameMax = 100
	// NotesMax bounds an API key's notes. The file format once allowed
	// 1,000 while the emulator refused more than 500; 500 is the reading
	// kept, so validate catches what a server with the stricter limit
	// refuses.
	NotesMax = 500
	// AboutMeMax bounds profile.about_me.
	AboutMeMax = 1000
	// SocialMax bounds each social link.
	SocialMax = 255
	// UsernameMin and UsernameMax bound profile.username and `account:`
	// (the schema once allowed 1 to 64, the emulator 3 to 40).
	UsernameMin = 3
	UsernameMax = 40
	// EmailMin and EmailMax bound a team member's email.
	EmailMin = 3
	EmailMax = 254
	// GlobMax bounds one glob of ignore and access_tokens.keep.
	GlobMax = 255
	// DeviceNameMax bounds the device name of a login (an access token's
	// name).
	DeviceNameMax = 100
	// IDMax bounds an API key id written as a string in `id:`.
	IDMax = 100
	// PermissionMax bounds one permission name (the schema once set no
	// bound, the emulator 50).
	PermissionMax = 50
)

// UsernamePattern is the shape of a username (profile.username, `account:`).
const UsernamePattern = `^[A-Za-z0-9][A-Za-z0-9_.-]*$`

// PermissionPattern is the shape of a team member's permission name: the
// API publishes no closed list, and ':' is kept (the emulator's reading) for
// scope-like names such as "models:read".
const PermissionPattern = `^[a-z][a-z0-9:_-]*$`
