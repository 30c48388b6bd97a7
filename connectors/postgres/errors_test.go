package postgres_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/postgres"
)

const secret = "S3cret-Pw_9"

// fakeServer accepts connections, asks for a cleartext password and turns
// it down with a message that repeats it: the worst a server can do. It
// needs no PostgreSQL, so the wrong-password path is tested everywhere.
func fakeServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				be := pgproto3.NewBackend(c, c)
				if _, err := be.ReceiveStartupMessage(); err != nil {
					return
				}
				be.Send(&pgproto3.AuthenticationCleartextPassword{})
				if err := be.Flush(); err != nil {
					return
				}
				be.SetAuthType(pgproto3.AuthTypeCleartextPassword)
				msg, err := be.Receive()
				if err != nil {
					return
				}
				pw := ""
				if p, ok := msg.(*pgproto3.PasswordMessage); ok {
					pw = p.Password
				}
				be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "28P01",
					Message: fmt.Sprintf("password authentication failed for user \"u\" (password %q)", pw)})
				be.Flush()
			}(c)
		}
	}()
	return ln.Addr().String()
}

func TestErrorsHidePassword(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cases := map[string]string{
		"wrong password":   "postgres://u:" + secret + "@" + fakeServer(t) + "/db?sslmode=disable",
		"unreachable port": "postgres://u:" + secret + "@127.0.0.1:1/db?sslmode=disable&connect_timeout=5",
		"bad sslmode":      "postgres://u:" + secret + "@127.0.0.1:1/db?sslmode=sometimes",
		"password param":   "postgres://u@127.0.0.1:1/db?sslmode=disable&connect_timeout=5&password=" + secret,
	}
	for name, url := range cases {
		t.Run(name, func(t *testing.T) {
			loc, err := connectors.ParseLocation(url)
			if err != nil {
				t.Fatal(err)
			}
			for _, open := range []func(context.Context, *connectors.Location) (*postgres.DB, error){postgres.OpenSource, postgres.OpenTarget} {
				db, err := open(ctx, loc)
				if err == nil {
					db.Close()
					t.Fatal("opened")
				}
				t.Log(err)
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error shows the password: %v", err)
				}
				if name == "wrong password" && !strings.Contains(err.Error(), "password authentication failed") {
					t.Errorf("error lost the server's reason: %v", err)
				}
			}
		})
	}
}
