package completioncmd

// The generator's internals, for the tests of package completioncmd_test,
// which need the real command tree (package cli, which imports this one).
var (
	CompletionTree     = completionTree
	CompletionShells   = completionShells
	SupportedShells    = supportedShells
	FishQuote          = fishQuote
	FileCompletionFlag = fileCompletionFlag
)
