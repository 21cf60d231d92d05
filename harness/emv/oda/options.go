package oda

// SignOption tampers with a certificate or signed data for negative tests.
// With no option the signing functions produce a correct object; each option
// is built so that exactly one verification check fails (see the option's
// comment for which).
type SignOption func(*signOptions)

type signOptions struct {
	header, trailer, format, hashAlg byte
	setHeader, setTrailer, setFormat bool
	setHashAlg                       bool
	corruptHash                      bool
	keyLen, dynLen                   byte
	setKeyLen, setDynLen             bool
	skipSizeRules                    bool
}

func collect(opts []SignOption) signOptions {
	var o signOptions
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	return o
}

// WithHeader writes b instead of the recovered data header 6A (fails
// CheckHeader). b must stay below the signer's modulus, e.g. 6B or 00.
func WithHeader(b byte) SignOption {
	return func(o *signOptions) { o.header, o.setHeader = b, true }
}

// WithTrailer writes b instead of the recovered data trailer BC (fails
// CheckTrailer).
func WithTrailer(b byte) SignOption {
	return func(o *signOptions) { o.trailer, o.setTrailer = b, true }
}

// WithFormat writes b instead of the certificate or signed data format
// (02, 03, 04, 05; fails CheckFormat).
func WithFormat(b byte) SignOption {
	return func(o *signOptions) { o.format, o.setFormat = b, true }
}

// WithHashAlgorithm writes b as the hash algorithm indicator (fails
// CheckHashAlgorithm unless b is 01). For certificates it overrides the
// HashAlg field.
func WithHashAlgorithm(b byte) SignOption {
	return func(o *signOptions) { o.hashAlg, o.setHashAlg = b, true }
}

// WithCorruptHash flips one bit of the hash result after it is computed
// (fails CheckHash).
func WithCorruptHash() SignOption {
	return func(o *signOptions) { o.corruptHash = true }
}

// WithKeyLength writes n as the public key length field of a certificate
// instead of the true modulus length, and skips the size rules. Zero or a
// value above the signer's modulus length fails CheckKeyLength; a value that
// changes the remainder length fails CheckRemainder.
func WithKeyLength(n byte) SignOption {
	return func(o *signOptions) { o.keyLen, o.setKeyLen, o.skipSizeRules = n, true, true }
}

// WithDynamicDataLength writes n as the ICC dynamic data length L_DD of
// signed dynamic application data instead of the true length (fails
// CheckDynamicData when it exceeds N_IC − 25, else usually CheckHash).
func WithDynamicDataLength(n byte) SignOption {
	return func(o *signOptions) { o.dynLen, o.setDynLen = n, true }
}

// WithoutSizeRules lets a certificate certify a key longer than the signer's
// (EMV Book 2, 5.1 and 6.1 forbid it; the verifier fails CheckKeyLength).
func WithoutSizeRules() SignOption {
	return func(o *signOptions) { o.skipSizeRules = true }
}

func (o *signOptions) apply(x []byte, format byte) {
	x[0] = 0x6A
	if o.setHeader {
		x[0] = o.header
	}
	x[1] = format
	if o.setFormat {
		x[1] = o.format
	}
	x[len(x)-1] = 0xBC
	if o.setTrailer {
		x[len(x)-1] = o.trailer
	}
}
