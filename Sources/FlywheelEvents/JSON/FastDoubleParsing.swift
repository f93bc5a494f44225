// MARK: - FastDoubleParsing

/// The Eisel-Lemire algorithm (Lemire, "Number Parsing at a Gigabyte per Second", 2021; as fast_float computes it):
/// the correctly rounded double nearest to `w × 10^q` for a decimal mantissa `w` of at most 19 digits, from one or
/// two 64 × 64-bit products with a 128-bit approximation of 5^q. ``JSONReader`` uses it for the literals Clinger's
/// fast path cannot take — chiefly the 17 significant digits of a probability written in its shortest round-trip
/// form, which before went to the C library's `strtod` (3–4% of the feedback and trainer processes' CPU with seven
/// shadows). Where it cannot be sure (a subnormal or out-of-range result, a decimal exponent outside its table, the
/// rare product too close to a halfway point) it answers nil and the caller falls back to `strtod`.
/// `EventCodecTests` checks it bit for bit against `strtod` on random and edge-case literals.
enum FastDoubleParsing {
    /// The double nearest `w × 10^q`, or nil when the caller must fall back to a slower exact method.
    static func double(mantissa w: UInt64, power q: Int, negative: Bool) -> Double? {
        if w == 0 { return negative ? -0.0 : 0.0 }
        guard q >= smallestPower, q <= largestPower else { return nil }
        let leadingZeros = w.leadingZeroBitCount
        let normalized = w << UInt64(leadingZeros)
        let power = powersOfFive[q - smallestPower]
        var (high, low) = normalized.multipliedFullWidth(by: power.high)
        if high & 0x1FF == 0x1FF {
            // The first product leaves the bits that decide rounding uncertain: add the second half's contribution.
            let second = normalized.multipliedFullWidth(by: power.low).high
            let (sum, carry) = low.addingReportingOverflow(second)
            low = sum
            if carry { high &+= 1 }
            if high & 0x1FF == 0x1FF, low == .max { return nil }
        }
        let upperBit = Int(high >> 63)
        let shift = UInt64(upperBit + 9)
        var mantissa = high >> shift
        // floor(q × log2(10)) + 63 for the binary exponent of 10^q's normalized product, biased by 1023.
        var binaryExponent = (((152_170 + 65_536) * q) >> 16) + 63 + upperBit - leadingZeros + 1023
        guard binaryExponent > 0 else { return nil }  // subnormal: leave it to strtod
        // Round half to even: a product that is exactly halfway (possible only for small |q|) rounds down to even.
        if low <= 1, q >= -4, q <= 23, mantissa & 3 == 1, mantissa << shift == high {
            mantissa &= ~1
        }
        mantissa += mantissa & 1
        mantissa >>= 1
        if mantissa >= (2 << 52) {
            mantissa = 1 << 52
            binaryExponent += 1
        }
        mantissa &= ~(1 << 52)
        guard binaryExponent < 0x7FF else { return nil }  // out of range: strtod says infinity
        let bits = (negative ? 1 << 63 : 0) | UInt64(binaryExponent) << 52 | mantissa
        return Double(bitPattern: bits)
    }
}
