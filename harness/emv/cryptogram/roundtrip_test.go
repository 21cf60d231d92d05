package cryptogram

import (
	"bytes"
	"crypto/cipher"
	"crypto/des"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/paylab/paylab/harness/emv"
)

// randomCard draws issuer keys, a PAN of 12 to 19 digits, a PSN and the
// transaction data a version needs, IAD included.
func randomCard(r *rand.Rand, v *Version) (issuer Keys, pan, psn string, tx map[emv.Tag][]byte) {
	key := func() []byte {
		k := make([]byte, 16)
		for i := range k {
			k[i] = byte(r.UintN(256))
		}
		return k
	}
	issuer = Keys{AC: key(), SMI: key(), SMC: key()}
	n := 12 + r.IntN(8)
	digits := make([]byte, n)
	for i := range digits {
		digits[i] = byte('0' + r.IntN(10))
	}
	pan = string(digits)
	psn = fmt.Sprintf("%02d", r.IntN(100))
	tx = make(map[emv.Tag][]byte)
	for _, t := range acTags {
		b := make([]byte, t.n)
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
		tx[t.tag] = b
	}
	iad := make([]byte, v.IAD.minIAD()+r.IntN(33-v.IAD.minIAD()))
	for i := range iad {
		iad[i] = byte(r.UintN(256))
	}
	tx[emv.TagIAD] = iad
	return issuer, pan, psn, tx
}

// TestRoundTrip plays card and issuer against each other for every
// version with random keys and data: the card generates with its ICC master
// keys, the issuer derives them from its issuer master keys and verifies;
// the issuer answers with ARPC and scripts, the card verifies and opens them.
func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, v := range Versions() {
		t.Run(v.String(), func(t *testing.T) {
			for i := 0; i < 200; i++ {
				issuerKeys, pan, psn, tx := randomCard(r, v)
				card, err := v.DeriveKeys(issuerKeys, pan, psn) // personalisation
				if err != nil {
					t.Fatal(err)
				}
				arqc, err := v.Generate(card.AC, tx) // card
				if err != nil {
					t.Fatal(err)
				}
				host, err := v.DeriveKeys(issuerKeys, pan, psn) // issuer, at authorisation
				if err != nil {
					t.Fatal(err)
				}
				if err := v.VerifyARQC(host.AC, tx, arqc); err != nil {
					t.Fatalf("issuer rejects the card's ARQC: %v", err)
				}
				bad := append([]byte{}, arqc...)
				bad[r.IntN(8)] ^= 1 << r.IntN(8)
				var me *MismatchError
				if err := v.VerifyARQC(host.AC, tx, bad); !errors.As(err, &me) || !errors.Is(err, ErrMismatch) {
					t.Fatalf("tampered ARQC: got %v, want *MismatchError", err)
				}
				// Any change in the MACed data must change the cryptogram.
				tampered := make(map[emv.Tag][]byte, len(tx))
				for k, val := range tx {
					tampered[k] = val
				}
				amt := append([]byte{}, tx[emv.TagAmount]...)
				amt[5] ^= 0x01
				tampered[emv.TagAmount] = amt
				if err := v.VerifyARQC(host.AC, tampered, arqc); !errors.Is(err, ErrMismatch) {
					t.Fatalf("changed amount still verifies: %v", err)
				}

				in := ARPCInput{ARQC: arqc, ATC: tx[emv.TagATC]}
				if v.ARPCMethod == 1 {
					in.ARC = []byte{0x30, byte('0' + r.IntN(10))}
				} else {
					in.CSU = []byte{byte(r.UintN(256)), 0, 0, 0x80}
					in.PAD = make([]byte, r.IntN(9))
				}
				arpc, err := v.ARPC(host.AC, in)
				if err != nil {
					t.Fatal(err)
				}
				if want := map[int]int{1: 8, 2: 4}[v.ARPCMethod]; len(arpc) != want {
					t.Fatalf("ARPC length %d, want %d", len(arpc), want)
				}
				if err := v.VerifyARPC(card.AC, in, arpc); err != nil {
					t.Fatalf("card rejects the issuer's ARPC: %v", err)
				}
				arpc[0] ^= 0x80
				if err := v.VerifyARPC(card.AC, in, arpc); !errors.Is(err, ErrMismatch) {
					t.Fatalf("tampered ARPC: got %v", err)
				}

				ctx := ScriptContext{ATC: tx[emv.TagATC], AC: arqc}
				pin := fmt.Sprintf("%04d", r.IntN(10000))
				cmd, err := v.PINChangeCommand(host, ctx, pin, "")
				if err != nil {
					t.Fatal(err)
				}
				hdr, block, err := v.OpenScriptCommand(card, ctx, cmd, true)
				if err != nil {
					t.Fatalf("card rejects PIN change: %v", err)
				}
				if hdr != [4]byte{0x84, 0x24, 0x00, 0x02} {
					t.Fatalf("PIN change header % X", hdr)
				}
				var want []byte
				if v.Scheme == "Visa" {
					want, _ = VisaPINBlock(card.AC, pin, "")
				} else {
					want, _ = ISOFormat2PINBlock(pin)
				}
				if !bytes.Equal(block, want) {
					t.Fatalf("PIN block %X, want %X", block, want)
				}

				data := make([]byte, r.IntN(40))
				for j := range data {
					data[j] = byte(r.UintN(256))
				}
				enc := r.IntN(2) == 0
				if v.Encipherment == MastercardEncipherment && enc {
					data = data[:len(data)/8*8] // Mastercard padding is not self-describing
					if len(data) == 0 {
						data = make([]byte, 8)
					}
				}
				next := ctx.Next()
				cmd, err = v.ScriptCommand(host, next, [4]byte{0x84, 0xDA, 0x9F, 0x58}, data, enc)
				if err != nil {
					t.Fatal(err)
				}
				_, got, err := v.OpenScriptCommand(card, next, cmd, enc)
				if err != nil || !bytes.Equal(got, data) {
					t.Fatalf("script round trip: %X, %v; want %X", got, err, data)
				}
				cmd[len(cmd)-1] ^= 1
				if _, _, err := v.OpenScriptCommand(card, next, cmd, enc); !errors.Is(err, ErrMismatch) {
					t.Fatalf("tampered script MAC: %v", err)
				}
			}
		})
	}
}

// TestDataLayout states each version's MAC input: the ten data elements in
// EMV order, then the IAD part, and nothing else.
func TestDataLayout(t *testing.T) {
	fixed := "000000004000 000000000000 0124 8000048000 0124 191105 01 52BF4585 1800 001C"
	iad18 := "0110A00003220000AAAA00000000000322FF" // 18 bytes, M/Chip layout
	tests := []struct {
		cvn  int
		iad  string
		tail string
	}{
		{10, "06010A03A06010 FFFF", "03A06010"},
		{18, "06011203A0B800", "06011203A0B800"},
		{22, "1F22 01 0000000000 " + "000000000000000000000000000000000000000000000000", "1F22 01 0000000000 " + "000000000000000000000000000000000000000000000000"},
		{16, iad18, "A00003220000"},
		{17, iad18, "A00003220000 00000000000322FF"},
	}
	for _, tc := range tests {
		v, _ := VersionByNumber(tc.cvn)
		tx := txOf(t, with(visaTx, "9F10", tc.iad))
		got, err := v.Data(tx)
		if err != nil {
			t.Fatalf("CVN %d: %v", tc.cvn, err)
		}
		if want := mustHex(t, fixed+tc.tail); !bytes.Equal(got, want) {
			t.Errorf("CVN %d data\n got %X\nwant %X", tc.cvn, got, want)
		}
	}
}

// TestCVN22MatchesCVN18 pins down that Visa CVN 22 is ARQC algorithm '2'
// of CVN 18 applied to an IAD format 2: the same key, data and padding.
func TestCVN22MatchesCVN18(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	v18, _ := VersionByNumber(18)
	v22, _ := VersionByNumber(22)
	for i := 0; i < 50; i++ {
		issuer, pan, psn, tx := randomCard(r, v22)
		mk18, _ := v18.DeriveICCMasterKey(issuer.AC, pan, psn)
		mk22, _ := v22.DeriveICCMasterKey(issuer.AC, pan, psn)
		a, _ := v18.Generate(mk18, tx)
		b, _ := v22.Generate(mk22, tx)
		if !bytes.Equal(a, b) {
			t.Fatalf("CVN 22 %X differs from CVN 18 %X", b, a)
		}
	}
}

func TestDataErrors(t *testing.T) {
	v, _ := VersionByNumber(17)
	tx := txOf(t, mcTx)
	delete(tx, emv.TagUN)
	_, err := v.Data(tx)
	var me *MissingDataError
	if !errors.As(err, &me) || len(me.Tags) != 2 || me.Tags[0] != emv.TagUN || me.Tags[1] != emv.TagIAD {
		t.Fatalf("got %v, want 9F37 and 9F10 missing", err)
	}
	if want := "CVN 17 needs tag 9F37 (Unpredictable Number), tag 9F10 (Issuer Application Data)"; me.Error() != want {
		t.Errorf("message %q", me.Error())
	}

	tx = txOf(t, with(mcTx, "9F10", "0111A000032200000000"))
	_, err = v.Data(tx)
	var le *TagLengthError
	if !errors.As(err, &le) || le.Tag != emv.TagIAD {
		t.Fatalf("short IAD: got %v", err)
	}
	tx = txOf(t, with(mcTx, "9F02", "0100", "9F10", "0111A00003220000000000000000000322FF"))
	if _, err = v.Data(tx); !errors.As(err, &le) || le.Tag != emv.TagAmount {
		t.Fatalf("short amount: got %v", err)
	}
	if _, err := VersionByNumber(14); !errors.Is(err, ErrUnknownVersion) {
		t.Fatalf("CVN 14: got %v", err)
	}
}

func TestInputErrors(t *testing.T) {
	imk := make([]byte, 16)
	for _, tc := range []struct {
		pan, psn string
	}{{"1234", "00"}, {"12345678901234567890", "00"}, {"123456789012345X", "00"}, {"1234567890123456", "1"}, {"1234567890123456", "A1"}} {
		_, err := DeriveICCMasterKeyA(imk, tc.pan, tc.psn)
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Errorf("PAN %q PSN %q: got %v, want *InputError", tc.pan, tc.psn, err)
		}
		if err != nil && len(tc.pan) > 6 && bytes.Contains([]byte(err.Error()), []byte(tc.pan)) {
			t.Errorf("error leaks the PAN: %v", err)
		}
	}
	if _, err := DeriveICCMasterKeyA(imk[:8], "1234567890123456", ""); err == nil {
		t.Error("8-byte issuer key accepted")
	}
	// An absent PSN is 00 (EMV Book 2, A1.4.1).
	a, _ := DeriveICCMasterKeyA(imk, "1234567890123456", "")
	b, _ := DeriveICCMasterKeyA(imk, "1234567890123456", "00")
	if !bytes.Equal(a, b) {
		t.Error("empty PSN differs from 00")
	}
	v, _ := VersionByNumber(10)
	if _, err := v.ARPC(imk, ARPCInput{ARQC: make([]byte, 8), CSU: make([]byte, 4)}); err == nil {
		t.Error("CVN 10 accepted a CSU")
	}
	v, _ = VersionByNumber(18)
	if _, err := v.ARPC(imk, ARPCInput{ARQC: make([]byte, 8), ATC: []byte{0, 1}, ARC: []byte{0x30, 0x30}}); err == nil {
		t.Error("CVN 18 accepted an ARC")
	}
	if _, err := ARPC2(imk, make([]byte, 8), make([]byte, 4), make([]byte, 9)); err == nil {
		t.Error("9-byte proprietary authentication data accepted")
	}
	if _, err := v.PINChangeCommand(Keys{imk, imk, imk}, ScriptContext{ATC: []byte{0, 1}, AC: make([]byte, 8)}, "12", ""); err == nil {
		t.Error("2-digit PIN accepted")
	}
	v, _ = VersionByNumber(16)
	if _, err := v.PINChangeCommand(Keys{imk, imk, imk}, ScriptContext{ATC: []byte{0, 1}, AC: make([]byte, 8)}, "1234", "5678"); err == nil {
		t.Error("Mastercard PIN change accepted a current PIN")
	}
}

func TestPadAndMAC(t *testing.T) {
	for _, tc := range []struct {
		p    Padding
		in   string
		want string
	}{
		{PaddingMethod1, "", "0000000000000000"},
		{PaddingMethod1, "1234", "1234000000000000"},
		{PaddingMethod1, "0102030405060708", "0102030405060708"},
		{PaddingMethod2, "", "8000000000000000"},
		{PaddingMethod2, "1234", "1234800000000000"},
		{PaddingMethod2, "0102030405060708", "01020304050607088000000000000000"},
	} {
		got, err := Pad(tc.p, mustHex(t, tc.in))
		if err != nil || !bytes.Equal(got, mustHex(t, tc.want)) {
			t.Errorf("%v(%s) = %X, %v", tc.p, tc.in, got, err)
		}
	}

	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 100; i++ {
		k := make([]byte, 16)
		data := make([]byte, r.IntN(64))
		for j := range k {
			k[j] = byte(r.UintN(256))
		}
		for j := range data {
			data[j] = byte(r.UintN(256))
		}
		// Algorithm 3 with K' = K collapses to algorithm 1 under single DES K.
		kk := append(append([]byte{}, k[:8]...), k[:8]...)
		a3, _ := MAC(MACAlgorithm3, PaddingMethod2, kk, data)
		a1, _ := MAC(MACAlgorithm1, PaddingMethod2, k[:8], data)
		if !bytes.Equal(a1, a3) {
			t.Fatalf("alg 3 with K=K' %X != alg 1 %X", a3, a1)
		}
		// Algorithm 1 with a double key is CBC triple DES, last block.
		padded, _ := Pad(PaddingMethod1, data)
		b, _ := des.NewTripleDESCipher(append(append([]byte{}, k...), k[:8]...))
		out := make([]byte, len(padded))
		cipher.NewCBCEncrypter(b, make([]byte, 8)).CryptBlocks(out, padded)
		m1, _ := MAC(MACAlgorithm1, PaddingMethod1, k, data)
		if !bytes.Equal(m1, out[len(out)-8:]) {
			t.Fatalf("alg 1 %X != CBC-3DES %X", m1, out[len(out)-8:])
		}
		// Algorithm 3 against its definition with the stdlib's CBC.
		left, _ := des.NewCipher(k[:8])
		right, _ := des.NewCipher(k[8:])
		p2, _ := Pad(PaddingMethod2, data)
		h := make([]byte, len(p2))
		cipher.NewCBCEncrypter(left, make([]byte, 8)).CryptBlocks(h, p2)
		g := h[len(h)-8:]
		right.Decrypt(g, g)
		left.Encrypt(g, g)
		m3, _ := MAC(MACAlgorithm3, PaddingMethod2, k, data)
		if !bytes.Equal(m3, g) {
			t.Fatalf("alg 3 %X != definition %X", m3, g)
		}
	}
	if _, err := MAC(MACAlgorithm3, PaddingMethod2, make([]byte, 24), nil); err == nil {
		t.Error("alg 3 accepted a 24-byte key")
	}
	if _, err := MAC(MACAlgorithm(2), PaddingMethod2, make([]byte, 16), nil); err == nil {
		t.Error("unknown algorithm accepted")
	}
}

func TestOddParityAndKCV(t *testing.T) {
	if got := OddParity([]byte{0x00, 0x01, 0xFF, 0xFE, 0x38}); !bytes.Equal(got, []byte{0x01, 0x01, 0xFE, 0xFE, 0x38}) {
		t.Errorf("OddParity = % X", got)
	}
	// The single DES key 0123456789ABCDEF enciphers the zero block to
	// D5D44FF720683D0D, the classic check value D5D44F.
	k, _ := KCV(mustHex(t, "0123456789ABCDEF"))
	if got := fmt.Sprintf("%X", k); got != "D5D44F" {
		t.Errorf("KCV = %s", got)
	}
}

func BenchmarkGenerateARQC(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, v := range Versions() {
		issuer, pan, psn, tx := randomCard(r, v)
		mk, _ := v.DeriveICCMasterKey(issuer.AC, pan, psn)
		b.Run(fmt.Sprintf("CVN%d", v.Number), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Generate(mk, tx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyARQCFromIMK is the issuer's per-authorisation cost: master
// key derivation from the issuer key, then verification.
func BenchmarkVerifyARQCFromIMK(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	v, _ := VersionByNumber(18)
	issuer, pan, psn, tx := randomCard(r, v)
	mk, _ := v.DeriveICCMasterKey(issuer.AC, pan, psn)
	ac, _ := v.Generate(mk, tx)
	b.ReportAllocs()
	for b.Loop() {
		mk, _ := v.DeriveICCMasterKey(issuer.AC, pan, psn)
		if err := v.VerifyARQC(mk, tx, ac); err != nil {
			b.Fatal(err)
		}
	}
}
