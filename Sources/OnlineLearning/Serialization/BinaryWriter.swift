// MARK: - BinaryWriter

/// Appends little-endian fixed-width values to a byte buffer.
struct BinaryWriter {
    /// The bytes written so far.
    private(set) var bytes: [UInt8] = []

    mutating func write<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func write(_ value: Double) { write(value.bitPattern) }

    mutating func write(_ values: [Double]) {
        write(UInt32(values.count))
        for value in values { write(value) }
    }

    mutating func write(_ values: [Float]) {
        write(UInt32(values.count))
        for value in values { write(value.bitPattern) }
    }

    mutating func write(_ data: [UInt8]) {
        write(UInt32(data.count))
        bytes.append(contentsOf: data)
    }
}

// MARK: - BinaryReader

/// Reads what ``BinaryWriter`` wrote, failing with ``ModelFormatError`` instead of reading past the end.
struct BinaryReader {
    private let bytes: [UInt8]
    private(set) var position: Int

    init(_ bytes: [UInt8], position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    var remaining: Int { bytes.count - position }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ field: String) throws(ModelFormatError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw ModelFormatError(.truncated, "the blob ends inside \(field)") }
        var value: T = 0
        for index in 0..<size { value |= T(bytes[position + index]) << (8 * index) }
        position += size
        return value
    }

    mutating func readDouble(_ field: String) throws(ModelFormatError) -> Double {
        Double(bitPattern: try read(UInt64.self, field))
    }

    mutating func readDoubles(_ field: String, limit: Int) throws(ModelFormatError) -> [Double] {
        let count = Int(try read(UInt32.self, "\(field) count"))
        guard count <= limit, count * 8 <= remaining else {
            throw ModelFormatError(.truncated, "\(field) claims \(count) values but the blob cannot hold them")
        }
        var values: [Double] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try readDouble(field)) }
        return values
    }

    mutating func readFloats(_ field: String, limit: Int) throws(ModelFormatError) -> [Float] {
        let count = Int(try read(UInt32.self, "\(field) count"))
        guard count <= limit, count * 4 <= remaining else {
            throw ModelFormatError(.truncated, "\(field) claims \(count) values but the blob cannot hold them")
        }
        var values: [Float] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(Float(bitPattern: try read(UInt32.self, field))) }
        return values
    }

    mutating func readBytes(_ field: String) throws(ModelFormatError) -> [UInt8] {
        let count = Int(try read(UInt32.self, "\(field) length"))
        guard count <= remaining else {
            throw ModelFormatError(.truncated, "\(field) claims \(count) bytes but only \(remaining) remain")
        }
        defer { position += count }
        return Array(bytes[position..<position + count])
    }
}
