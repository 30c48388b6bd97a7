package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConnectionSecretsNeverEchoed runs the commands that take a
// connection string with one that carries a password, in every shape a
// user might write it: a URL with a scheme nobody speaks, a Go driver DSN,
// a mistyped scheme, and a URL to a host that does not answer. The
// password must not reach stdout, stderr or a report.
func TestConnectionSecretsNeverEchoed(t *testing.T) {
	const pw = "Hemlig9Losen"
	conns := map[string]string{
		"bad scheme":       "oracle://scott:" + pw + "@db.example:1521/orcl",
		"go dsn":           "root:" + pw + "@tcp(127.0.0.1:3306)/legacy?parseTime=true",
		"scheme typo":      "mysql//root:" + pw + "@127.0.0.1:3306/legacy",
		"key=value":        "host=127.0.0.1 user=postgres password=" + pw + " dbname=x",
		"postgres refused": "postgres://postgres:" + pw + "@127.0.0.1:1/x?sslmode=disable&connect_timeout=2",
		"mysql refused":    "mysql://root:" + pw + "@127.0.0.1:1/x",
		"encoded at":       "postgres://postgres:" + pw + "%40x@127.0.0.1:1/x?sslmode=disable&connect_timeout=2",
	}
	for name, conn := range conns {
		t.Run(name, func(t *testing.T) {
			work := t.TempDir()
			t.Setenv("REGFLYTT_TEST_SECRET_URL", conn)
			for _, args := range [][]string{
				{"run", "testdata/plans/demo.yaml", "--source", conn, "--target", "sqlite://" + filepath.Join(work, "r.db"), "--work", work},
				{"run", "testdata/plans/demo.yaml", "--source", "env:REGFLYTT_TEST_SECRET_URL", "--target", conn, "--work", work},
				{"map", "check", "testdata/plans/demo.yaml", "--source", conn},
				{"map", "dry-run", "testdata/plans/demo.yaml", "--source", "env:REGFLYTT_TEST_SECRET_URL"},
				{"schema", conn, "--to", "postgres"},
				{"init", filepath.Join(work, "init"), "--source", conn, "--to", "postgres"},
			} {
				code, out, errs := cli(t, args...)
				if code == exitOK {
					t.Errorf("%v: exit 0 with a connection that cannot work", args[:2])
				}
				if strings.Contains(out+errs, pw) {
					t.Errorf("%v: the password reached the output:\n%s%s", args[:2], out, errs)
				}
				if errs == "" {
					t.Errorf("%v: no message at all", args[:2])
				}
			}
			if b, err := os.ReadFile(filepath.Join(work, "report.json")); err == nil && strings.Contains(string(b), pw) {
				t.Errorf("report.json holds the password")
			}
		})
	}
}

// A plan that writes a connection string that is not a URL into source.url
// is refused by plan check, which names the place and not the string.
func TestPlanCheckDoesNotEchoADSN(t *testing.T) {
	dir := t.TempDir()
	plan, err := os.ReadFile("../../testdata/plans/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(plan), "url: env:REGFLYTT_SOURCE", `url: "root:Hemlig9Losen@tcp(h:3306)/db"`, 1)
	text = strings.ReplaceAll(text, "../", filepath.Join(wdRoot(t), "testdata")+"/")
	path := filepath.Join(dir, "plan.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := cli(t, "plan", "check", path)
	if code != exitUsage || !strings.Contains(errs, "P003") || strings.Contains(out+errs, "Hemlig9Losen") {
		t.Fatalf("exit %d, output:\n%s%s", code, out, errs)
	}
}

func wdRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// A secret written where the name of the environment variable holding it
// belongs (env:URL for --source or --target, the key itself as the
// plan's pseudonymisation key_env) is not echoed by the message that says
// no such variable is set.
func TestSecretInPlaceOfAVariableNameNotEchoed(t *testing.T) {
	const pw, key = "Hemlig9Losen", "c0ffee4a9b1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f"
	work := t.TempDir()
	dir := t.TempDir()
	plan, err := os.ReadFile("../../testdata/plans/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(plan), "../../", wdRoot(t)+"/")
	text = strings.ReplaceAll(text, "../", filepath.Join(wdRoot(t), "testdata")+"/")
	text = strings.Replace(text, "\nsource:\n", "\npseudonymisation: {key_env: "+key+"}\nsource:\n", 1)
	keyPlan := filepath.Join(dir, "plan.yaml")
	if err := os.WriteFile(keyPlan, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	src := "sqlite://" + filepath.Join(work, "src.db")
	if code, out, errs := cli(t, "synth", "--platform", "demo", "--patients", "20", "--seed", "1", "--target", src); code != exitOK {
		t.Fatalf("synth: exit %d\n%s%s", code, out, errs)
	}
	for _, args := range [][]string{
		{"map", "check", "testdata/plans/demo.yaml", "--source", "env:postgres://u:" + pw + "@db.example/reg"},
		{"map", "dry-run", "testdata/plans/demo.yaml", "--source", "env:host=db.example password=" + pw},
		{"run", "testdata/plans/demo.yaml", "--source", src, "--target", "env:mysql://root:" + pw + "@127.0.0.1:1/x", "--work", work},
		{"run", keyPlan, "--source", src, "--target", "sqlite://" + filepath.Join(work, "t.db"), "--work", filepath.Join(work, "k")},
		{"plan", "check", keyPlan},
	} {
		code, out, errs := cli(t, args...)
		if code == exitOK {
			t.Errorf("%v: exit 0", args[:2])
		}
		if strings.Contains(out+errs, pw) || strings.Contains(out+errs, key) {
			t.Errorf("%v: the secret reached the output:\n%s%s", args[:2], out, errs)
		}
		if errs == "" {
			t.Errorf("%v: no message at all", args[:2])
		}
	}
}
