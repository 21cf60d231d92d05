package issuer

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/paylab/paylab/harness/iso8583"
)

const (
	panOK  = "4761739001010010"
	panExp = "4761739001010028"
	panBlk = "4761739001010036"
)

func start(t *testing.T, opts ...Option) (*Issuer, string) {
	t.Helper()
	is := New(append([]Option{WithAccounts(
		Account{PAN: panOK, Balance: 10000, Status: Active, TxnLimit: 5000},
		Account{PAN: panExp, Balance: 10000, Status: Expired},
		Account{PAN: panBlk, Balance: 10000, Status: Lost},
	)}, opts...)...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go is.Serve(ln)
	t.Cleanup(func() { is.Close() })
	return is, ln.Addr().String()
}

func request(t *testing.T, mti, pan, amount, stan string) *iso8583.Message {
	t.Helper()
	m := iso8583.NewMessage(iso8583.ISO1987, iso8583.MustMTI(mti))
	set := func(n int, v string) {
		if err := m.SetString(n, v); err != nil {
			t.Fatalf("set %d: %v", n, err)
		}
	}
	if pan != "" {
		set(2, pan)
	}
	set(3, "000000")
	if amount != "" {
		set(4, amount)
	}
	set(11, stan)
	set(37, "000000"+stan)
	set(41, "TERM0001")
	return m
}

func exchange(t *testing.T, c net.Conn, m *iso8583.Message) (*iso8583.Message, error) {
	t.Helper()
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	if err := iso8583.DefaultFraming.Write(c, iso8583.TPDU{}, b); err != nil {
		return nil, err
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	fr, err := iso8583.DefaultFraming.Read(c)
	if err != nil {
		return nil, err
	}
	return iso8583.Unpack(iso8583.ISO1987, fr.Message)
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func rc(t *testing.T, m *iso8583.Message) string {
	t.Helper()
	s, _ := m.GetString(39)
	return s
}

func TestDecisions(t *testing.T) {
	is, addr := start(t)
	c := dial(t, addr)
	tests := []struct {
		name, mti, pan, amount, want string
	}{
		{"approve", "0200", panOK, "000000001000", Approved},
		{"unknown", "0200", "4761739001019999", "000000001000", InvalidCard},
		{"expired", "0100", panExp, "000000001000", ExpiredCard},
		{"lost", "0100", panBlk, "000000001000", NotPermitted},
		{"limit", "0200", panOK, "000000006000", ExceedsLimit},
		{"funds", "0200", panOK, "000000004500", Approved},
		{"funds-short", "0200", panOK, "000000004600", InsufficientFunds},
	}
	for i, tt := range tests {
		stan := "00000" + string(rune('1'+i))
		got, err := exchange(t, c, request(t, tt.mti, tt.pan, tt.amount, stan))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if r := rc(t, got); r != tt.want {
			t.Errorf("%s: DE 39 = %q, want %q", tt.name, r, tt.want)
		}
		if s, _ := got.GetString(11); s != stan {
			t.Errorf("%s: DE 11 = %q, want %q", tt.name, s, stan)
		}
	}
	if b := is.Ledger()[panOK]; b != 10000-1000-4500 {
		t.Errorf("balance = %d", b)
	}
}

func TestEchoDuplicateReversal(t *testing.T) {
	is, addr := start(t)
	c := dial(t, addr)
	echo := iso8583.NewMessage(iso8583.ISO1987, iso8583.MustMTI("0800"))
	echo.SetString(11, "000001")
	echo.SetString(70, "301")
	got, err := exchange(t, c, echo)
	if err != nil || got.MTI != iso8583.MustMTI("0810") || rc(t, got) != Approved {
		t.Fatalf("echo: %v %v", got, err)
	}
	req := request(t, "0200", panOK, "000000001000", "000002")
	for i := 0; i < 2; i++ {
		if got, err = exchange(t, c, req); err != nil || rc(t, got) != Approved {
			t.Fatalf("purchase %d: %v", i, err)
		}
	}
	if b := is.Ledger()[panOK]; b != 9000 {
		t.Fatalf("after duplicate: balance = %d, want 9000", b)
	}
	rev := request(t, "0400", panOK, "000000001000", "000002")
	for i := 0; i < 2; i++ {
		if got, err = exchange(t, c, rev); err != nil || got.MTI != iso8583.MustMTI("0410") {
			t.Fatalf("reversal %d: %v", i, err)
		}
	}
	if b := is.Ledger()[panOK]; b != 10000 {
		t.Fatalf("after reversal: balance = %d, want 10000", b)
	}
}

func TestFaults(t *testing.T) {
	is, addr := start(t)
	req := request(t, "0100", panOK, "000000000100", "000001")

	is.SetFault(Fault{Delay: 100 * time.Millisecond})
	t0 := time.Now()
	if _, err := exchange(t, dial(t, addr), req); err != nil || time.Since(t0) < 100*time.Millisecond {
		t.Errorf("delay: %v after %v", err, time.Since(t0))
	}
	is.SetFault(Fault{Drop: true})
	if _, err := exchange(t, dial(t, addr), req); err == nil {
		t.Error("drop: got an answer")
	}
	is.SetFault(Fault{Malformed: true})
	if _, err := exchange(t, dial(t, addr), req); err == nil {
		t.Error("malformed: answer unpacked")
	}
	is.SetFault(Fault{NoResponse: true})
	c := dial(t, addr)
	b, _ := req.Pack()
	iso8583.DefaultFraming.Write(c, iso8583.TPDU{}, b)
	c.SetReadDeadline(time.Now().Add(150 * time.Millisecond))
	if _, err := iso8583.DefaultFraming.Read(c); err == nil {
		t.Error("no response: got an answer")
	}
	is.SetFault(Fault{})
	if got, err := exchange(t, dial(t, addr), request(t, "0100", panOK, "000000000100", "000009")); err != nil || rc(t, got) != Approved {
		t.Errorf("after clearing faults: %v", err)
	}
}

func TestGarbageDoesNotCrash(t *testing.T) {
	_, addr := start(t)
	c := dial(t, addr)
	iso8583.DefaultFraming.Write(c, iso8583.TPDU{}, []byte("garbage!"))
	c.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := iso8583.DefaultFraming.Read(c); err == nil {
		t.Error("garbage: got an answer")
	}
	if got, err := exchange(t, dial(t, addr), request(t, "0100", panOK, "000000000100", "000001")); err != nil || rc(t, got) != Approved {
		t.Errorf("server after garbage: %v", err)
	}
}

func TestConcurrentClients(t *testing.T) {
	is, addr := start(t)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			for j := 0; j < 10; j++ {
				m := request(t, "0200", panOK, "000000000010", "0000"+string(rune('0'+i))+string(rune('0'+j)))
				if got, err := exchange(t, c, m); err != nil || rc(t, got) != Approved {
					t.Errorf("client %d txn %d: %v", i, j, err)
				}
			}
		}(i)
	}
	wg.Wait()
	if b := is.Ledger()[panOK]; b != 10000-80*10 {
		t.Errorf("balance = %d, want %d", b, 10000-800)
	}
}
