package oda

import (
	"fmt"
	"testing"
)

var benchSizes = []int{1984, 1408, 1152}

// BenchmarkVerifyChain measures the terminal's ODA work for one card: recover
// the issuer key from the CA-signed certificate, the ICC key from the
// issuer-signed certificate, and verify one DDA SDAD. The name is the CA key
// size; the issuer and ICC keys are as large as EMV Book 2, 6.1 allows
// (N_IC = N_I = N_CA), so both remainders are present — the worst case.
// Exponents: CA 3, issuer 3, ICC 65537.
func BenchmarkVerifyChain(b *testing.B) {
	for _, bits := range benchSizes {
		b.Run(fmt.Sprint(bits), func(b *testing.B) {
			c := newChain(b, bits, bits, bits)
			dd, _ := DDADynamicData([]byte{1, 2, 3, 4, 5, 6, 7, 8})
			ddol := []byte{0xDE, 0xAD, 0xBE, 0xEF}
			sdad, err := SignDynamicData(c.icc, dd, ddol)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				_, icc, err := c.verify()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := VerifySDAD(icc.Key, sdad, ddol); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSignSDAD measures the card side's DDA signature (block build,
// SHA-1 and the CRT private operation), which bounds the card emulator's
// INTERNAL AUTHENTICATE and CDA GENERATE AC throughput.
func BenchmarkSignSDAD(b *testing.B) {
	for _, bits := range append(benchSizes, 1024, 768) {
		b.Run(fmt.Sprint(bits), func(b *testing.B) {
			k := testKey(b, bits, 65537)
			dd, _ := DDADynamicData([]byte{1, 2, 3, 4, 5, 6, 7, 8})
			ddol := []byte{0xDE, 0xAD, 0xBE, 0xEF}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := SignDynamicData(k, dd, ddol); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRecover measures the raw public operation for both EMV exponents.
func BenchmarkRecover(b *testing.B) {
	for _, bits := range benchSizes {
		for _, e := range []int{3, 65537} {
			b.Run(fmt.Sprintf("%d/e=%d", bits, e), func(b *testing.B) {
				k := testKey(b, bits, e)
				x := make([]byte, k.Len())
				x[0] = 0x6A
				sig, err := k.Sign(x)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := k.Recover(sig); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
