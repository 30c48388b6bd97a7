package verify

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkAccessProofManyDays: 2,000 care units in 20 regions, 500
// regional legacy grants, and 500 receiving grants that each start on a
// day of their own within 400 days: a legacy reading for each of those
// days, each expanding every legacy grant to the units it reaches.
func BenchmarkAccessProofManyDays(b *testing.B) {
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	units := map[string]string{}
	for u := 0; u < 2000; u++ {
		units[fmt.Sprint(u)] = fmt.Sprintf("region %d", u%20)
	}
	var before, after []Grant
	for a := 0; a < 500; a++ {
		g := Grant{Account: fmt.Sprint(a), Region: fmt.Sprintf("region %d", a%20), Basis: BasisRole, Role: "reporter"}
		before = append(before, g)
		g.ValidFrom = day.AddDate(0, 0, 1+a%400)
		after = append(after, g)
	}
	b.ResetTimer()
	for b.Loop() {
		c, err := CheckAccessAcross(context.Background(), units, units, before, after, day)
		if err != nil || !c.OK {
			b.Fatalf("ok %v, err %v, problems %v", c.OK, err, c.Problems)
		}
	}
}
