// MARK: - BinaryEventReader

/// Reads the fields ``BinaryEventWriter`` writes, checking every length against the bytes left, so hostile input
/// ends in a ``BinaryReadError`` (a dead-letter reason), never a crash or an allocation the bytes cannot back.
public struct BinaryEventReader {
    private let bytes: UnsafeRawBufferPointer
    /// Where the next read starts.
    public private(set) var offset: Int

    /// Reads `bytes` from `offset`.
    public init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// The bytes not read yet.
    public var remaining: Int { bytes.count - offset }

    /// One byte.
    @inline(__always) public mutating func byte() throws(BinaryReadError) -> UInt8 {
        guard remaining >= 1 else { throw BinaryReadError(kind: .truncated, path: []) }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// A length or count, and checks that at least `count × minimumSize` bytes follow it (so a hostile count cannot
    /// make a reader reserve memory the message does not back); a `minimumSize` of 0 checks nothing.
    @inline(__always) public mutating func count(minimumSize: Int = 1) throws(BinaryReadError) -> Int {
        let value = Int(UInt32(littleEndian: try load(UInt32.self)))
        guard minimumSize == 0 || value <= remaining / minimumSize else { throw BinaryReadError(kind: .truncated, path: []) }
        return value
    }

    /// An 8-byte integer.
    @inline(__always) public mutating func integer() throws(BinaryReadError) -> Int64 {
        Int64(littleEndian: try load(Int64.self))
    }

    /// A double, which may be NaN or infinite (see ``finite()``).
    @inline(__always) public mutating func double() throws(BinaryReadError) -> Double {
        Double(bitPattern: UInt64(littleEndian: try load(UInt64.self)))
    }

    /// A double that must be finite.
    /// - Throws: `.invalid` when it is NaN or infinite (the JSON form cannot carry those).
    @inline(__always) public mutating func finite() throws(BinaryReadError) -> Double {
        let value = try double()
        guard value.isFinite else { throw BinaryReadError(kind: .invalid, path: []) }
        return value
    }

    /// A string: its length, then that many bytes of UTF-8.
    /// - Throws: `.invalid` when the bytes are not UTF-8.
    public mutating func string() throws(BinaryReadError) -> String {
        let length = try count()
        let utf8 = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)]).assumingMemoryBound(to: UInt8.self)
        offset += length
        // ASCII is UTF-8 as it stands: ids and feature names almost always are, and building them directly skips
        // the standard library's validation, which runs as unspecialized generic code (a metadata lookup per string:
        // ~4.5% of the trainer process in `perf`).
        if ByteWords.isASCII(utf8) { return String(decoding: utf8, as: UTF8.self) }
        guard let text = String(validating: utf8, as: UTF8.self) else {
            throw BinaryReadError(kind: .invalid, path: [])
        }
        return text
    }

    /// Steps over `count` bytes.
    public mutating func skip(_ count: Int) throws(BinaryReadError) {
        guard count <= remaining else { throw BinaryReadError(kind: .truncated, path: []) }
        offset += count
    }

    @inline(__always) private mutating func load<Value: FixedWidthInteger>(_ type: Value.Type) throws(BinaryReadError) -> Value {
        guard remaining >= MemoryLayout<Value>.size else { throw BinaryReadError(kind: .truncated, path: []) }
        defer { offset += MemoryLayout<Value>.size }
        return bytes.loadUnaligned(fromByteOffset: offset, as: Value.self)
    }
}

// MARK: - BinaryReadError

/// Why an event could not be read from its binary form; ``reason(for:)`` is the dead-letter sentence.
public struct BinaryReadError: Error, Sendable, Hashable {
    /// What went wrong.
    public enum Kind: Sendable, Hashable {
        /// The bytes end inside the field (or a length or count says more follows than does).
        case truncated
        /// The field holds a value the event cannot use (bad UTF-8, a non-finite number, an unknown type tag, no
        /// served answer).
        case invalid
        /// Bytes follow the end of the event.
        case trailing
    }

    /// What went wrong.
    public var kind: Kind
    /// The field's path from the top of the event (array positions as `[i]`), as ``JSONReadError`` names fields.
    public var path: [String]

    /// Makes an error at a path.
    public init(kind: Kind, path: [String]) {
        self.kind = kind
        self.path = path
    }

    /// The same error one level down: inside the field `component`.
    public func inside(_ component: String) -> BinaryReadError {
        BinaryReadError(kind: kind, path: [component] + path)
    }

    /// The dead-letter sentence for an event of type `event`, e.g. "JoinedExample (binary) ends inside field
    /// 'predictions.[1].answer'".
    public func reason(for event: Any.Type) -> String {
        let field = path.joined(separator: ".")
        switch kind {
        case .truncated: return field.isEmpty ? "\(event) (binary) is cut short" : "\(event) (binary) ends inside field '\(field)'"
        case .invalid: return "\(event) (binary) field '\(field)' is not valid"
        case .trailing: return "\(event) (binary) has bytes after its end"
        }
    }
}
