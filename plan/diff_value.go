package plan

import "reflect"

// valueOf returns the interface held by a reflect.Value, or nil when it is
// invalid or cannot be read.
func valueOf(v reflect.Value) any {
	if !v.IsValid() || !v.CanInterface() {
		return nil
	}
	return v.Interface()
}
