package verify

// AccessCheck is the proof that the migration widened no one's access
// (see CheckAccess).
type AccessCheck struct {
	Users  int  `json:"users"`
	Grants int  `json:"grants"`
	OK     bool `json:"ok"`
}
