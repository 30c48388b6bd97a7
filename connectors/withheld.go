package connectors

// WithheldError is an error shown by a text of its own in place of the
// error it wraps: a server's or driver's message can quote a value (a
// personal identity number, a duplicated key), a connection string or its
// password, and errors reach logs and reports. The text shown is the
// whole of what Error gives, so whatever prints the error (%v, %+v, %s,
// slog, errors.Join, an fmt.Errorf("…: %w") around it) prints only that
// text: none of those reads the wrapped error's own text once it has the
// outer Error. Unwrap keeps the wrapped error for errors.Is and errors.As
// alone, since the classification of a fault depends on it (wrap.IsTransient
// reads its SQLSTATE, a net.Error or io.EOF; a dialect its server error
// number for a deadlock, a lost connection, a duplicate key). So nothing
// that takes the driver's error out of the chain may print it, or its
// Message, itself.
type WithheldError struct {
	shown string
	err   error
}

// Withhold returns err shown as shown, keeping err in the chain (see
// WithheldError). The caller builds shown: from err's own text with the
// secrets or identity numbers masked (Scrub, MaskError), or a text of its
// own that names the kind of error only (a dialect's withoutValues).
func Withhold(err error, shown string) error {
	if err == nil {
		return nil
	}
	return &WithheldError{shown: shown, err: err}
}

func (e *WithheldError) Error() string { return e.shown }
func (e *WithheldError) Unwrap() error { return e.err }
