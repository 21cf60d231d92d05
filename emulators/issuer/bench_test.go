package issuer

import (
	"bytes"
	"net"
	"testing"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
	"github.com/paylab/paylab/harness/iso8583"
)

// benchRequest is a packed 0100 with a real CVN 18 ARQC of the
// visa-cda-online card (TEST KEYS) and the offset of its DE 37, so that
// each iteration gets a new RRN without packing again.
func benchRequest(b *testing.B, mti string) ([]byte, int) {
	b.Helper()
	const pan = "4761739001010119"
	v, _ := cryptogram.VersionByNumber(18)
	imk := cryptogram.Keys{AC: mustHex(b, "0123456789ABCDEFFEDCBA9876543210"), SMI: mustHex(b, "FEDCBA98765432100123456789ABCDEF"), SMC: mustHex(b, "89ABCDEF0123456776543210FEDCBA98")}
	keys, err := v.DeriveKeys(imk, pan, "01")
	if err != nil {
		b.Fatal(err)
	}
	tx := map[emv.Tag][]byte{emv.TagAmount: bcdAmount(1), emv.TagAmountOther: bcdAmount(0), emv.TagCountryCode: {0, 0x56},
		emv.TagTVR: make([]byte, 5), emv.TagCurrencyCode: {9, 0x78}, emv.TagTxnDate: {0x26, 0x11, 0x28}, emv.TagTxnType: {0},
		emv.TagUN: {1, 2, 3, 4}, emv.TagAIP: {0x3D, 0}, emv.TagATC: {0, 0x21}, emv.TagIAD: mustHex(b, "06011203A00000"),
		emv.TagCID: {0x80}, emv.TagPANSeq: {0x01}, 0x84: mustHex(b, "F0544553541010"), 0x9F35: {0x22}, 0x9F34: {0x1F, 0x03, 0x02}}
	if tx[emv.TagCryptogram], err = v.Generate(keys.AC, tx); err != nil {
		b.Fatal(err)
	}
	var objs []emv.TLV
	for _, tag := range []emv.Tag{emv.TagCryptogram, emv.TagCID, emv.TagIAD, emv.TagUN, emv.TagATC, emv.TagTVR, emv.TagTxnDate,
		emv.TagTxnType, emv.TagAmount, emv.TagCurrencyCode, emv.TagAIP, emv.TagCountryCode, emv.TagAmountOther, 0x9F35, 0x9F34, 0x84, emv.TagPANSeq} {
		objs = append(objs, emv.TLV{Tag: tag, Value: tx[tag]})
	}
	m := msg(b, mti, "000000", pan, 1, "RRNXXXXXXXXX")
	m.SetString(11, "987654")
	m.SetString(14, "4912")
	m.SetString(23, "001")
	m.SetTLV(55, objs)
	req, err := m.Pack()
	if err != nil {
		b.Fatal(err)
	}
	return req, bytes.Index(req, []byte("RRNXXXXXXXXX"))
}

func benchIssuer(b *testing.B) *Issuer {
	cfg, err := LoadConfig("test-issuer")
	if err != nil {
		b.Fatal(err)
	}
	return New(WithConfig(cfg), WithAccounts(Account{PAN: "4761739001010119", Balance: 1 << 60, Status: Active}))
}

// BenchmarkHandle0100 is the issuer's share of one authorisation: unpack,
// ARQC verification (CVN 18: session key, MAC), the hold, the ARPC, pack.
func BenchmarkHandle0100(b *testing.B) {
	is := benchIssuer(b)
	req, off := benchRequest(b, "0100")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		putDigits(req[off:off+12], i)
		out, err := is.Handle(req)
		if err != nil || len(out) == 0 {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if tx := is.Transactions(); tx[len(tx)-1].RC != Approved || tx[len(tx)-1].ARQC.Result != ARQCVerified {
		b.Fatalf("last transaction %v", tx[len(tx)-1])
	}
}

// BenchmarkHandle0100Parallel is BenchmarkHandle0100 from every core at
// once (the ledger lock under contention).
func BenchmarkHandle0100Parallel(b *testing.B) {
	is := benchIssuer(b)
	base, off := benchRequest(b, "0100")
	var seq = make(chan int, 64)
	for i := 0; i < 64; i++ {
		seq <- i
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := <-seq
		req := append([]byte{}, base...)
		for n := 0; pb.Next(); n++ {
			putDigits(req[off:off+2], id)
			putDigits(req[off+2:off+12], n)
			if _, err := is.Handle(req); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkServe0100 is the round trip over TCP on one pipelined
// connection, the client writing as fast as it can.
func BenchmarkServe0100(b *testing.B) {
	cfg, _ := LoadConfig("test-issuer")
	is, addr := startIssuer(b, WithConfig(cfg), WithAccounts(Account{PAN: "4761739001010119", Balance: 1 << 60, Status: Active}))
	_ = is
	base, off := benchRequest(b, "0100")
	c := dialB(b, addr)
	stanOff := bytes.Index(base, []byte("987654")) // DE 11
	done := make(chan error, 1)
	go func() {
		for i := 0; i < b.N; i++ {
			fr, err := iso8583.DefaultFraming.Read(c)
			if err != nil {
				done <- err
				return
			}
			_ = fr
		}
		done <- nil
	}()
	b.ReportAllocs()
	b.ResetTimer()
	req := append([]byte{}, base...)
	var buf []byte
	for i := 0; i < b.N; i++ {
		putDigits(req[off:off+12], i)
		putDigits(req[stanOff:stanOff+6], i)
		buf, _ = iso8583.DefaultFraming.Append(buf[:0], iso8583.TPDU{}, req)
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

func dialB(b *testing.B, addr string) net.Conn {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// putDigits writes n's last len(dst) decimal digits into dst.
func putDigits(dst []byte, n int) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = '0' + byte(n%10)
		n /= 10
	}
}
