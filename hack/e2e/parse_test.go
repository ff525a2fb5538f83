package e2e

import "testing"

func TestTableRows(t *testing.T) {
	out := `==> kubectl get morservers,locationrules -A -o wide
NAMESPACE   NAME                                 READY   SYNCED   VERSION   URL                             AGE
default     morserver.mor.operator.dev/default   True    True     X17       http://127.0.0.1:8086/billing   1s

NAMESPACE   NAME                                           READY   SYNCED   RULE ID   LOCATION   AGE
default     locationrule.mor.operator.dev/lithuania-e164   False   False    21        1          1s

==> what changed
`
	rows := tableRows(out)
	if len(rows) != 2 {
		t.Fatalf("rows: %v", rows)
	}
	if rows[0]["NAME"] != "morserver.mor.operator.dev/default" || rows[0]["READY"] != "True" || rows[0]["URL"] != "http://127.0.0.1:8086/billing" {
		t.Errorf("row 0: %v", rows[0])
	}
	if rows[1]["NAME"] != "locationrule.mor.operator.dev/lithuania-e164" || rows[1]["READY"] != "False" || rows[1]["RULE ID"] != "21" || rows[1]["LOCATION"] != "1" {
		t.Errorf("row 1: %v", rows[1])
	}
}
