// MARK: - BinaryEventWriter

/// Writes the little-endian fields of Flywheel's binary event forms (docs/event-formats.md): 32-bit unsigned
/// lengths and counts, 64-bit signed integers, IEEE 754 doubles, and strings as a length and their UTF-8 bytes.
public struct BinaryEventWriter {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    /// Starts with room for `capacity` bytes.
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Writes bytes as they are (a magic prefix).
    public mutating func raw(_ values: [UInt8]) { bytes.append(contentsOf: values) }

    /// Writes one byte.
    @inline(__always) public mutating func byte(_ value: UInt8) { bytes.append(value) }

    /// Writes a length or count as 4 bytes, little-endian.
    @inline(__always) public mutating func count(_ value: Int) {
        precondition(value >= 0 && value <= Int(UInt32.max), "a binary event's lengths fit in 32 bits")
        append(UInt32(truncatingIfNeeded: value).littleEndian)
    }

    /// Writes an integer as 8 bytes, little-endian two's complement.
    @inline(__always) public mutating func integer(_ value: Int64) { append(value.littleEndian) }

    /// Writes a double as its 8 IEEE 754 bytes, little-endian (every bit kept).
    @inline(__always) public mutating func double(_ value: Double) { append(value.bitPattern.littleEndian) }

    /// Writes a finite double.
    /// - Throws: ``JSONWriteError`` at `field` when it is NaN or infinite: the binary forms carry what the JSON forms
    ///   can, so a reader of either sees the same events.
    @inline(__always) public mutating func finite(_ value: Double, _ field: String) throws(JSONWriteError) {
        guard value.isFinite else { throw JSONWriteError(path: [field]) }
        double(value)
    }

    /// Writes a string: its UTF-8 length (``count(_:)``), then its bytes.
    public mutating func string(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            count(utf8.count)
            bytes.append(contentsOf: utf8)
        }
    }

    @inline(__always) private mutating func append<Value: FixedWidthInteger>(_ value: Value) {
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
    }
}
