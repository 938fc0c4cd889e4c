package crash

import "sync/atomic"

// handler is the process's handler of goroutine panics (SetHandler).
var handler atomic.Pointer[func(*Error)]

// SetHandler makes h the handler of a panic in every goroutine started with
// Go. h is given the recovered panic and must not return: cli.Main, the
// only caller outside tests, reports it as the main goroutine's panics are
// reported and exits 1 (a test's handler may end the goroutine with
// runtime.Goexit instead). Without a handler, or if h returns, Go panics
// again with the same value, as a plain go statement would have.
func SetHandler(h func(*Error)) {
	if h == nil {
		handler.Store(nil)
		return
	}
	handler.Store(&h)
}

// Go runs fn in a new goroutine whose panic goes to the handler set with
// SetHandler. Every goroutine of mlabctl's non-test code is started with
// Go: a panic in a goroutine cannot be recovered by the main goroutine's
// deferred recover, and Go's own report of it exits 2, which
// `plan --detailed-exitcode` means as "changes pending".
//
// The panic is handled where it happened, not handed to the main
// goroutine, because the main goroutine may be waiting for the very
// goroutine that panicked (apply waits for its workers, the progress line
// for its ticker, a prompt for its reader) and would then never receive
// it. Exiting from the goroutine skips the main goroutine's deferred
// calls, as the second Ctrl-C already does; nothing depends on them:
// apply's journal is synced before each call, not at the end.
func Go(fn func()) {
	go Guarded(fn)()
}

// Guarded returns fn with its panic sent to the handler, as Go does, for
// the functions the standard library runs in goroutines of its own
// (context.AfterFunc, time.AfterFunc).
func Guarded(fn func()) func() {
	return func() {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if h := handler.Load(); h != nil {
				(*h)(Recovered(v))
			}
			panic(v)
		}()
		fn()
	}
}
