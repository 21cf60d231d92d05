package issuer

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/paylab/paylab/harness/iso8583"
)

// A delayed answer does not hold up the others pipelined on the same
// connection, and is still sent when its delay ends.
func TestDelayIsPerRequestAndLateAnswerArrives(t *testing.T) {
	is, addr := startIssuer(t)
	cl := newClient(t, addr)
	const slow, fast = "4761739001010119", "4761739001010127"
	is.FaultFor(slow, Fault{Delay: 1200 * time.Millisecond, Count: 1})
	t0 := time.Now()
	late := cl.send(msg(t, "0200", "000000", slow, 100, newRRN()))
	var fastAt time.Duration
	for i := 0; i < 5; i++ {
		if r := cl.do(msg(t, "0200", "000000", fast, 100, newRRN())); rcOf(r) != Approved {
			t.Fatalf("fast %d: %s", i, rcOf(r))
		}
	}
	fastAt = time.Since(t0)
	// The slow one was processed at once: its debit is in the ledger
	// already, so a reversal sent before the late answer finds it.
	if b := is.Ledger()[slow]; b != 1000000-100 {
		t.Errorf("slow request not processed on arrival: %d", b)
	}
	select {
	case r := <-late:
		if at := time.Since(t0); at < 1200*time.Millisecond || rcOf(r) != Approved {
			t.Errorf("late answer %s after %v", rcOf(r), at)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the late answer never came")
	}
	if fastAt > 1000*time.Millisecond {
		t.Errorf("pipelined requests waited %v behind the delayed one", fastAt)
	}
}

func TestNoResponseProcessesDropDoesNot(t *testing.T) {
	is, addr := startIssuer(t)
	const pan = "4761739001010119"
	start := is.Ledger()[pan]

	is.SetFault(Fault{NoResponse: true, PAN: pan})
	cl := newClient(t, addr)
	rrn := newRRN()
	select {
	case r := <-cl.send(msg(t, "0200", "000000", pan, 700, rrn)):
		t.Fatalf("no-response fault answered %s", rcOf(r))
	case <-time.After(200 * time.Millisecond):
	}
	if is.Ledger()[pan] != start-700 {
		t.Fatalf("no response: ledger %d, want the debit done", is.Ledger()[pan])
	}
	// Other PANs are not affected; then the reversal (PAN-less, like an
	// acquirer's 0400 without DE 2) restores the balance.
	if r := cl.do(msg(t, "0200", "000000", "4761739001010127", 100, newRRN())); rcOf(r) != Approved {
		t.Errorf("another PAN under a PAN fault: %s", rcOf(r))
	}
	if r := cl.do(msg(t, "0400", "000000", "", 700, rrn)); rcOf(r) != Approved || is.Ledger()[pan] != start {
		t.Errorf("reversal: %s, ledger %d", rcOf(r), is.Ledger()[pan])
	}

	is.SetFault(Fault{Drop: true, MTI: "0200"})
	c2 := newClient(t, addr)
	c2.send(msg(t, "0200", "000000", pan, 300, newRRN()))
	select {
	case <-c2.closed:
	case <-time.After(2 * time.Second):
		t.Fatal("drop: the connection stayed open")
	}
	if is.Ledger()[pan] != start {
		t.Errorf("a dropped request moved money: %d", is.Ledger()[pan])
	}
	// The MTI scope: a 0100 passes.
	c3 := newClient(t, addr)
	if r := c3.do(msg(t, "0100", "000000", pan, 1, newRRN())); rcOf(r) != Approved {
		t.Errorf("0100 under a 0200 drop fault: %s", rcOf(r))
	}
	is.SetFault(Fault{})
	if r := c3.do(msg(t, "0200", "000000", pan, 1, newRRN())); rcOf(r) != Approved {
		t.Errorf("after clearing: %s", rcOf(r))
	}
}

func TestMalformedProcessesAndCountExpires(t *testing.T) {
	is, addr := startIssuer(t)
	const pan = "5413330089010012"
	is.AddFault(Fault{Malformed: true, Count: 2})
	c := dial(t, addr)
	for i := 0; i < 2; i++ {
		b, _ := msg(t, "0200", "000000", pan, 50, newRRN()).Pack()
		iso8583.DefaultFraming.Write(c, iso8583.TPDU{}, b)
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		fr, err := iso8583.DefaultFraming.Read(c)
		if err != nil || !bytes.Equal(fr.Message, malformed) {
			t.Fatalf("malformed %d: %q %v", i, fr.Message, err)
		}
	}
	if got := is.Ledger()[pan]; got != 1000000-100 {
		t.Errorf("malformed answers: ledger %d, want both processed", got)
	}
	if r, err := exchange(t, c, msg(t, "0200", "000000", pan, 50, newRRN())); err != nil || rcOf(r) != Approved {
		t.Errorf("third request after Count 2: %v %v", rcOf(r), err)
	}
}

func TestHandleAppliesFaults(t *testing.T) {
	is := New(WithAccounts(Account{PAN: panOK, Balance: 100, Status: Active}))
	b, _ := msg(t, "0100", "000000", panOK, 1, newRRN()).Pack()
	is.SetFault(Fault{NoResponse: true})
	if _, err := is.Handle(b); !errors.Is(err, ErrNoResponse) {
		t.Errorf("NoResponse: %v", err)
	}
	is.SetFault(Fault{Delay: 50 * time.Millisecond})
	t0 := time.Now()
	if _, err := is.Handle(b); err != nil || time.Since(t0) < 50*time.Millisecond {
		t.Errorf("Delay: %v after %v", err, time.Since(t0))
	}
	is.SetFault(Fault{RC: "999"}) // not a valid DE 39: nothing to answer
	if _, err := is.Handle(b); err == nil {
		t.Error("invalid RC fault answered")
	}
	is.SetFault(Fault{})
	// A response MTI is not answered.
	r, _ := msg(t, "0210", "000000", panOK, 1, newRRN()).Pack()
	if _, err := is.Handle(r); err == nil {
		t.Error("answered a response")
	}
}

// The acquirer's timeout path (HOST.REV.003): the answer comes after the
// acquirer gave up, the acquirer's 0400 reaches the issuer first and
// restores the ledger; the late answer still arrives.
func TestReversalOvertakesLateAnswer(t *testing.T) {
	is, addr := startIssuer(t)
	cl := newClient(t, addr)
	const pan = "5413330089010020"
	start := is.Ledger()[pan]
	is.FaultFor(pan, Fault{Delay: 700 * time.Millisecond, MTI: "0200", Count: 1})
	rrn := newRRN()
	late := cl.send(msg(t, "0200", "000000", pan, 1500, rrn))
	if r := cl.do(msg(t, "0400", "000000", pan, 1500, rrn)); rcOf(r) != Approved {
		t.Fatalf("reversal: %s", rcOf(r))
	}
	if is.Ledger()[pan] != start {
		t.Errorf("ledger %d after the reversal, want %d", is.Ledger()[pan], start)
	}
	select {
	case r := <-late:
		if rcOf(r) != Approved {
			t.Errorf("late answer %s", rcOf(r))
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no late answer")
	}
	if tx, _ := is.Transaction(rrn); !tx.Reversed || is.Ledger()[pan] != start {
		t.Errorf("after the late answer: reversed %t, ledger %d", tx.Reversed, is.Ledger()[pan])
	}
}

// Pipelined purchases on several connections, half of them reversed (some
// twice): the ledger and the totals agree with what was not reversed.
func TestPipelinedLoadLedgerAndTotalsAgree(t *testing.T) {
	is, addr := startIssuer(t)
	const pan, per, conns = "4761739001010119", 50, 4
	start := is.Ledger()[pan]
	done := make(chan int64, conns)
	for c := 0; c < conns; c++ {
		go func() {
			cl := newClient(t, addr)
			var chans []<-chan *iso8583.Message
			var rrns []string
			for i := 0; i < per; i++ {
				rrn := newRRN()
				rrns = append(rrns, rrn)
				chans = append(chans, cl.send(msg(t, "0200", "000000", pan, int64(i+1), rrn)))
			}
			var kept int64
			for i, ch := range chans {
				r := <-ch
				if rcOf(r) != Approved {
					t.Errorf("purchase %d: %s", i, rcOf(r))
				}
				if i%2 == 0 {
					for k := 0; k < 1+i%3; k++ {
						cl.do(msg(t, "0400", "000000", pan, int64(i+1), rrns[i]))
					}
				} else {
					kept += int64(i + 1)
				}
			}
			done <- kept
		}()
	}
	var kept int64
	for c := 0; c < conns; c++ {
		kept += <-done
	}
	if got := is.Ledger()[pan]; got != start-kept {
		t.Errorf("ledger %d, want %d", got, start-kept)
	}
	if tot := is.Totals()["visa"]; tot.Debits != (Count{conns * per / 2, kept}) {
		t.Errorf("totals %+v, want %d debits of %d", tot.Debits, conns*per/2, kept)
	}
}
