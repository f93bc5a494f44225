// MARK: - ByteWords

/// Tests on eight bytes at once (a little-endian `UInt64` loaded from a string's bytes), so long strings — a model
/// version's base64 weights — are scanned a word at a time between the bytes that matter. Each answer is exact for
/// the word as a whole (the classic has-zero-byte arithmetic), which is all a skip needs.
enum ByteWords {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Whether some byte of `word` is zero.
    @inline(__always) static func hasZero(_ word: UInt64) -> Bool { (word &- ones) & ~word & highs != 0 }

    /// Whether some byte of `word` equals `byte`.
    @inline(__always) static func has(_ word: UInt64, _ byte: UInt8) -> Bool { hasZero(word ^ (ones &* UInt64(byte))) }

    /// Whether some byte of `word` is below `limit` (at most 128).
    @inline(__always) static func hasBelow(_ word: UInt64, _ limit: UInt8) -> Bool {
        (word &- ones &* UInt64(limit)) & ~word & highs != 0
    }

    /// Whether some byte of `word` is 0x80 or above (not ASCII).
    @inline(__always) static func hasHigh(_ word: UInt64) -> Bool { word & highs != 0 }

    /// Whether every byte of `bytes` is below 0x80 (ASCII, which is UTF-8 as it stands), a word at a time.
    @inline(__always) static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index + 8 <= bytes.count {
            if hasHigh(load(bytes, at: index)) { return false }
            index += 8
        }
        while index < bytes.count {
            if bytes[index] >= 0x80 { return false }
            index += 1
        }
        return true
    }

    /// The eight bytes at `offset` of `bytes` as one little-endian word (the first byte lowest, on any machine).
    /// - Precondition: `offset + 8 <= bytes.count`.
    @inline(__always) static func load(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress! + offset).loadUnaligned(as: UInt64.self))
    }
}
