package postgres

import "testing"

func TestServerVersion(t *testing.T) {
	for s, want := range map[string]int{
		"15.20 (Debian 15.20-1.pgdg120+1)": 150000,
		"9.6.24":                           90000,
		"16.4":                             160000,
		"17beta1":                          170000,
		"18devel":                          180000,
		"17rc1 (Ubuntu)":                   170000,
		"":                                 0,
		"EnterpriseDB 9.5":                 0,
	} {
		if got := serverVersion(s); got != want {
			t.Errorf("serverVersion(%q) = %d, want %d", s, got, want)
		}
	}
}
