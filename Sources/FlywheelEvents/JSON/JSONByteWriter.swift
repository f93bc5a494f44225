// MARK: - JSONByteWriter

/// Writes JSON bytes the way Foundation's `JSONEncoder` with `.sortedKeys` does — compact, keys in `String` order,
/// `/` escaped as `\/`, control characters as `\b \f \n \r \t` or `\u00xx`, numbers as Swift's shortest round-trip
/// `description` without a trailing `.0` — so the hot path's output is byte for byte what Foundation would write
/// (checked by the codec tests), at a fraction of the cost.
public struct JSONByteWriter {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    /// Starts an empty document with room for `capacity` bytes.
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Writes raw ASCII, e.g. punctuation or a pre-quoted key such as `"id":`.
    @inline(__always) public mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Writes one byte.
    @inline(__always) public mutating func byte(_ value: UInt8) { bytes.append(value) }

    /// Writes a quoted, escaped string.
    public mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var runStart = 0
            var position = 0
            while position < utf8.count {
                // Eight bytes at a time past those that need no escape (long strings: a version's base64 weights).
                if position + 8 <= utf8.count,
                   !Self.needsEscape(ByteWords.load(utf8, at: position)) {
                    position += 8
                    continue
                }
                let byte = utf8[position]
                position += 1
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x2F else { continue }
                let at = position - 1
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<at]))
                runStart = position
                switch byte {
                case 0x22: raw(#"\""#)
                case 0x5C: raw(#"\\"#)
                case 0x2F: raw(#"\/"#)
                case 0x08: raw(#"\b"#)
                case 0x0C: raw(#"\f"#)
                case 0x0A: raw(#"\n"#)
                case 0x0D: raw(#"\r"#)
                case 0x09: raw(#"\t"#)
                default:
                    raw(#"\u00"#)
                    bytes.append(Self.hexDigits[Int(byte >> 4)])
                    bytes.append(Self.hexDigits[Int(byte & 0xF)])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Writes a finite number.
    /// - Returns: false, writing nothing, when `value` is NaN or infinite (JSON has no such number).
    @discardableResult
    public mutating func number(_ value: Double) -> Bool {
        guard value.isFinite else { return false }
        if value == value.rounded(.towardZero), abs(value) < 0x1p53, !(value == 0 && value.sign == .minus) {
            integer(Int64(value))
        } else {
            // `description`'s digits, written from the standard library's stack buffer (no String per number).
            var sink = DigitSink()
            swap(&sink.bytes, &bytes)
            value.write(to: &sink)
            swap(&sink.bytes, &bytes)
            if bytes.count >= 2, bytes[bytes.count - 2] == UInt8(ascii: "."), bytes[bytes.count - 1] == UInt8(ascii: "0") {
                bytes.removeLast(2)
            }
        }
        return true
    }

    /// Receives a number's text: `Double.write(to:)` hands its digits to `_writeASCII` straight from a stack buffer,
    /// where `description` would make a String (a heap allocation for 16 characters or more, as most probabilities
    /// have).
    private struct DigitSink: TextOutputStream {
        var bytes: [UInt8] = []
        mutating func write(_ string: String) { bytes.append(contentsOf: string.utf8) }
        mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: buffer) }
    }

    /// Writes an integer.
    public mutating func integer(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        if magnitude < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var count = 0
            while magnitude > 0 {
                digits[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[(20 - count)...]))
        }
    }

    /// Writes `data` as a quoted string of standard base64 (RFC 4648, with padding), what Foundation's
    /// `base64EncodedString()` gives, without making that String first: its alphabet needs no escaping in JSON.
    public mutating func base64(_ data: [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        bytes.reserveCapacity(bytes.count + (data.count + 2) / 3 * 4 + 1)
        let alphabet = Self.base64Alphabet
        var index = 0
        while index + 3 <= data.count {
            let group = UInt32(data[index]) << 16 | UInt32(data[index + 1]) << 8 | UInt32(data[index + 2])
            bytes.append(alphabet[Int(group >> 18)])
            bytes.append(alphabet[Int(group >> 12 & 0x3F)])
            bytes.append(alphabet[Int(group >> 6 & 0x3F)])
            bytes.append(alphabet[Int(group & 0x3F)])
            index += 3
        }
        let left = data.count - index
        if left > 0 {
            let group = UInt32(data[index]) << 16 | (left == 2 ? UInt32(data[index + 1]) << 8 : 0)
            bytes.append(alphabet[Int(group >> 18)])
            bytes.append(alphabet[Int(group >> 12 & 0x3F)])
            bytes.append(left == 2 ? alphabet[Int(group >> 6 & 0x3F)] : UInt8(ascii: "="))
            bytes.append(UInt8(ascii: "="))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Whether any of the eight bytes in `word` is a control character, `"`, `\` or `/`.
    @inline(__always) static func needsEscape(_ word: UInt64) -> Bool {
        ByteWords.hasBelow(word, 0x20) || ByteWords.has(word, 0x22) || ByteWords.has(word, 0x5C) || ByteWords.has(word, 0x2F)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
    private static let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
}
