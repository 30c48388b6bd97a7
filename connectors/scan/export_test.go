package scan

// SetFirstPassAttributes switches the first pass's EAV profiling, for
// TestAttributesInOnePass.
func SetFirstPassAttributes(on bool) { firstPassAttributes = on }
