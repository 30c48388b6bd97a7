package mysql

import "testing"

// The read view of each session is found in its own transaction's block;
// one made while a transaction was active (its limits differ) is none to
// compare.
func TestReadViewLimit(t *testing.T) {
	status := `
TRANSACTIONS
------------
Trx id counter 93367
LIST OF TRANSACTIONS FOR EACH SESSION:
---TRANSACTION (0x7fd40da37b80), ACTIVE 0 sec
MariaDB thread id 15453, OS thread handle 140548712101568, query id 744529 127.0.0.1 root starting
SHOW ENGINE INNODB STATUS
Trx read view will not see trx with id >= 93367, sees < 93367
---TRANSACTION (0x7fd40da38c80), ACTIVE 3 sec
MariaDB thread id 15454, OS thread handle 140548712101569, query id 744530 127.0.0.1 root
Trx read view will not see trx with id >= 93367, sees < 93360
---TRANSACTION 93360, ACTIVE 5 sec
2 lock struct(s), heap size 1128, 1 row lock(s), undo log entries 1
MariaDB thread id 154, OS thread handle 140548712101570, query id 744531 127.0.0.1 root
--------
FILE I/O
`
	for _, c := range []struct {
		thread int64
		limit  uint64
		why    string
	}{
		{15453, 93367, ""},
		{15454, 0, "a transaction was active when it began"},
		{154, 0, "the session's transaction shows no read view"},
		{1545, 0, "the session is not listed in InnoDB's status"},
	} {
		limit, why := readViewLimit(status, c.thread)
		if limit != c.limit || why != c.why {
			t.Errorf("thread %d: %d %q, want %d %q", c.thread, limit, why, c.limit, c.why)
		}
	}
}
