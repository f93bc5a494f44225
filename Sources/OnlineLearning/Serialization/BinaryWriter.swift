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

    mutating func write(_ values: [UInt32]) {
        write(UInt32(values.count))
        for value in values { write(value) }
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

    // Field names are autoclosures: they are only needed for an error, and blobs are read on every version inference
    // loads (a perceptron's statistics and layers had built a String per value read).

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ field: @autoclosure () -> String) throws(ModelFormatError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw ModelFormatError(.truncated, "the blob ends inside \(field())") }
        let value = bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: position, as: T.self)) }
        position += size
        return value
    }

    mutating func readDouble(_ field: @autoclosure () -> String) throws(ModelFormatError) -> Double {
        Double(bitPattern: try read(UInt64.self, field()))
    }

    mutating func readDoubles(_ field: @autoclosure () -> String, limit: Int) throws(ModelFormatError) -> [Double] {
        try readValues(field(), limit: limit) { Double(bitPattern: UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: UInt64.self))) }
    }

    mutating func readFloats(_ field: @autoclosure () -> String, limit: Int) throws(ModelFormatError) -> [Float] {
        try readValues(field(), limit: limit) { Float(bitPattern: UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: UInt32.self))) }
    }

    mutating func readUInt32s(_ field: @autoclosure () -> String, limit: Int) throws(ModelFormatError) -> [UInt32] {
        try readValues(field(), limit: limit) { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: UInt32.self)) }
    }

    /// A count (`UInt32`) and that many fixed-size little-endian values, read in one pass once the count is checked.
    private mutating func readValues<Value>(
        _ field: @autoclosure () -> String, limit: Int, _ load: (UnsafeRawBufferPointer, Int) -> Value
    ) throws(ModelFormatError) -> [Value] {
        let count = Int(try read(UInt32.self, "\(field()) count"))
        let size = MemoryLayout<Value>.size
        guard count <= limit, count * size <= remaining else {
            throw ModelFormatError(.truncated, "\(field()) claims \(count) values but the blob cannot hold them")
        }
        let start = position
        let values = bytes.withUnsafeBytes { raw in
            [Value](unsafeUninitializedCapacity: count) { buffer, initialized in
                for index in 0..<count { buffer.initializeElement(at: index, to: load(raw, start + index * size)) }
                initialized = count
            }
        }
        position += count * size
        return values
    }

    mutating func readBytes(_ field: @autoclosure () -> String) throws(ModelFormatError) -> [UInt8] {
        let count = Int(try read(UInt32.self, "\(field()) length"))
        guard count <= remaining else {
            throw ModelFormatError(.truncated, "\(field()) claims \(count) bytes but only \(remaining) remain")
        }
        defer { position += count }
        return Array(bytes[position..<position + count])
    }
}
