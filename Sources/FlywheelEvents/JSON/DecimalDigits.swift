// MARK: - DecimalDigits

/// The significant digits of a number literal as ``JSONReader``'s parser gathers them: the first 19 in ``mantissa``
/// (a `UInt64` holds any 19 decimal digits), how many there were, and the power of ten that places the mantissa.
/// Runs of digits are taken eight at a time (a little-endian word checked and converted at once, fast_float's
/// technique) once a non-zero digit has started the mantissa and eight more still fit its 19.
struct DecimalDigits {
    /// The first 19 significant digits as an integer.
    private(set) var mantissa: UInt64 = 0
    /// Significant digits seen (leading zeros not counted).
    private(set) var count = 0
    /// The power of ten the mantissa is scaled by: minus one per fraction digit kept, plus one per integer digit
    /// past the 19th.
    private(set) var scale = 0
    /// Whether any digit was not zero.
    private(set) var nonZero = false

    /// Whether `byte` is an ASCII digit.
    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    /// Adds one digit (0–9) of the integer part or, with `fraction`, of the fraction.
    @inline(__always) mutating func add(_ digit: UInt64, fraction: Bool) {
        if digit != 0 { nonZero = true }
        if mantissa != 0 || digit != 0 { count += 1 }
        if count <= 19 {
            mantissa = mantissa &* 10 &+ digit
            if fraction { scale -= 1 }
        } else if !fraction {
            scale += 1
        }
    }

    /// Adds the run of digits starting at `position`, leaving `position` at the first byte after it.
    @inline(__always) mutating func addRun(
        _ bytes: UnsafeBufferPointer<UInt8>, from position: inout Int, to end: Int, fraction: Bool
    ) {
        while position < end {
            // Every digit of such a chunk is significant and kept, as `add` would do one by one.
            if mantissa != 0, count <= 11, position + 8 <= end {
                let word = ByteWords.load(bytes, at: position)
                if Self.isEightDigits(word) {
                    mantissa = mantissa &* 100_000_000 &+ Self.valueOfEightDigits(word)
                    count += 8
                    if fraction { scale -= 8 }
                    position += 8
                    continue
                }
            }
            let digit = bytes[position] &- UInt8(ascii: "0")
            guard digit < 10 else { return }
            add(UInt64(digit), fraction: fraction)
            position += 1
        }
    }

    /// Whether all eight bytes of `word` are ASCII digits: each byte's high nibble is 3, and stays 3 when 6 is added.
    @inline(__always) static func isEightDigits(_ word: UInt64) -> Bool {
        let highNibbles: UInt64 = 0xF0F0_F0F0_F0F0_F0F0
        return (word & highNibbles) | (((word &+ 0x0606_0606_0606_0606) & highNibbles) >> 4) == 0x3333_3333_3333_3333
    }

    /// The value of eight ASCII digits loaded little-endian (the first digit in the lowest byte): pairs, then
    /// fours, then the whole, by three multiplications.
    @inline(__always) static func valueOfEightDigits(_ word: UInt64) -> UInt64 {
        var value = word &- 0x3030_3030_3030_3030
        value = value &* 10 &+ (value >> 8)  // each even byte: the two-digit number of its pair
        let pairs: UInt64 = 0x0000_00FF_0000_00FF
        let high = (value & pairs) &* (100 &+ (1_000_000 << 32))
        let low = ((value >> 16) & pairs) &* (1 &+ (10_000 << 32))
        return (high &+ low) >> 32
    }
}
