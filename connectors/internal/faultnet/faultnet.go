// Package faultnet is internal/faultnet where the dialects' tests import
// it: the package moved to the module's root so that the runner's tests
// in plans can use it too, and these names stay for the tests that have
// them.
package faultnet

import (
	"testing"
	"time"

	root "github.com/regflytt/regflytt/internal/faultnet"
)

// FreezingProxy is internal/faultnet's.
type FreezingProxy = root.FreezingProxy

// SilentServer is internal/faultnet's.
func SilentServer(t testing.TB) string {
	t.Helper()
	return root.SilentServer(t)
}

// NewFreezingProxy is internal/faultnet's.
func NewFreezingProxy(t testing.TB, to string) *FreezingProxy {
	t.Helper()
	return root.NewFreezingProxy(t, to)
}

// ProxyURL is internal/faultnet's.
func ProxyURL(t testing.TB, url string) (*FreezingProxy, string) {
	t.Helper()
	return root.ProxyURL(t, url)
}

// Within is internal/faultnet's.
func Within(d time.Duration, do func() error) (bool, error) { return root.Within(d, do) }
