package all_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// identityOf opens a source at u and gives its snapshot's Identity.
func identityOf(t *testing.T, u string) string {
	t.Helper()
	ctx := context.Background()
	src, err := all.OpenSource(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	id, ok := snap.(connectors.Identifier)
	if !ok {
		t.Fatalf("%s snapshots have no Identity", src.Dialect().Name())
	}
	s, err := id.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The snapshot still reads after it: no statement of Identity ended
	// its transaction.
	if _, err := snap.Tables(ctx); err != nil {
		t.Fatalf("the snapshot after Identity: %v", err)
	}
	return s
}

// otherName gives u with 127.0.0.1 written localhost and the other way
// round: the same server by another name.
func otherName(t *testing.T, u string) string {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	switch pu.Hostname() {
	case "127.0.0.1":
		pu.Host = strings.Replace(pu.Host, "127.0.0.1", "localhost", 1)
	case "localhost":
		pu.Host = strings.Replace(pu.Host, "localhost", "127.0.0.1", 1)
	}
	return pu.String()
}

// A source's identity is the same for the same database however it is
// reached (another host name, another user, a relative path, a linked
// directory), differs for another database of the same server or another
// file, and never holds a user name or password.
func TestSourceIdentity(t *testing.T) {
	type fixture struct{ a, b, sameAsA string }
	fixtures := map[string]func(t *testing.T) fixture{
		"sqlite": func(t *testing.T) fixture {
			dir := t.TempDir()
			for _, n := range []string{"a.db", "b.db"} {
				tgt, err := all.OpenTarget(context.Background(), "sqlite://"+filepath.Join(dir, n))
				if err != nil {
					t.Fatal(err)
				}
				tgt.Close()
			}
			link := filepath.Join(t.TempDir(), "link")
			if err := os.Symlink(dir, link); err != nil {
				t.Fatal(err)
			}
			t.Chdir(link)
			return fixture{"sqlite://" + filepath.Join(dir, "a.db"), "sqlite://" + filepath.Join(dir, "b.db"), "sqlite://./a.db"}
		},
	}
	if os.Getenv("REGFLYTT_TEST_MYSQL") != "" {
		fixtures["mariadb"] = func(t *testing.T) fixture {
			a := mytest.NewDatabase(t)
			return fixture{a, mytest.NewDatabase(t), otherName(t, mytest.NewReadOnlyUser(t, a))}
		}
	}
	if os.Getenv("REGFLYTT_TEST_PG") != "" {
		fixtures["postgres"] = func(t *testing.T) fixture {
			a := pgtest.NewDatabase(t)
			return fixture{a, pgtest.NewDatabase(t), otherName(t, a)}
		}
	}
	for name, f := range fixtures {
		t.Run(name, func(t *testing.T) {
			x := f(t)
			a, b, same := identityOf(t, x.a), identityOf(t, x.b), identityOf(t, x.sameAsA)
			t.Logf("%s / %s", a, b)
			if a == "" || a == b {
				t.Errorf("two databases have the identity %q and %q", a, b)
			}
			if same != a {
				t.Errorf("one database reached two ways has two identities: %q and %q", a, same)
			}
			for _, u := range []string{x.a, x.b, x.sameAsA} {
				pu, err := url.Parse(u)
				if err != nil {
					t.Fatal(err)
				}
				if pu.User == nil {
					continue
				}
				pw, _ := pu.User.Password()
				for _, id := range []string{a, b, same} {
					if strings.Contains(id, pu.User.Username()) || pw != "" && strings.Contains(id, pw) {
						t.Errorf("identity %q holds a user name or password", id)
					}
				}
			}
		})
	}
}
