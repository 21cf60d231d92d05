#!/bin/sh
# Regenerates the sample images with an encoder independent of the
# decoder under test: libqrencode's qrencode(1) (Debian package qrencode).
# The unreadable image is the MPM sample blurred beyond recovery by
# blur.go (standard library only). Run from this folder.
set -eu
# EMVCo merchant-presented payload (EMVCo QR Code Specification for Payment
# Systems, Merchant-Presented Mode v1.1, 4.7.3): CRC-16/CCITT-FALSE in ID 63.
qrencode -l M -s 6 -m 4 -o mpm-emvco.png \
  '00020101021226350017com.paylab.wallet0110MRC0000042520458125303978540512.505802DE5916PAYLAB TEST CAFE6006BERLIN62120108ORD-00426304E0C0'
# A wallet platform's order URL, as an MPM wallet QR carries it.
qrencode -l M -s 6 -m 4 -o wallet-url.png 'https://wallet.paylab.test/pay?o=ORD-20261128-0042&m=PAYLAB'
# A consumer-presented payment code (18 digits) as a wallet app shows it.
qrencode -l M -s 4 -m 4 -o cpm-paycode.png '281234567890123456'
go run blur.go mpm-emvco.png blurred.png
