// MARK: - EventDecoding + binary examples

extension EventDecoding {
    /// Decodes a joined example in either form: the binary one when the bytes start with
    /// ``JoinedExample/binaryMagic``, JSON (`example.schema.json`) otherwise — so a topic may hold both, e.g.
    /// examples written before the switch, or by an outside producer.
    /// - Throws: ``EventDecodingError``: the JSON form's reasons, or ``BinaryReadError/reason(for:)``'s.
    public static func decodeExample(from bytes: [UInt8]) throws(EventDecodingError) -> JoinedExample {
        guard JoinedExample.isBinary(bytes) else { return try decode(JoinedExample.self, from: bytes) }
        let example = try readBinary(bytes) { reader throws(BinaryReadError) in try JoinedExample(binary: &reader) }
        if let problem = example.problem { throw EventDecodingError(reason: problem) }
        return example
    }

    /// Encodes a joined example in the binary form (``JoinedExample/write(binary:)``).
    /// - Throws: ``EventEncodingError`` with the JSON form's reason when a number is not finite.
    public static func encodeBinary(_ example: JoinedExample) throws(EventEncodingError) -> [UInt8] {
        var writer = BinaryEventWriter(capacity: 64 + 24 * example.features.count + 48 * (1 + example.shadows.count))
        do {
            try example.write(binary: &writer)
        } catch {
            throw EventEncodingError(reason: "JoinedExample field '\(error.path.joined(separator: "."))' is not a finite number")
        }
        return writer.bytes
    }

    /// Runs `body` on a reader of `bytes`, turning its error into a dead-letter reason naming `JoinedExample`.
    static func readBinary<Value>(
        _ bytes: [UInt8], _ body: (inout BinaryEventReader) throws(BinaryReadError) -> Value
    ) throws(EventDecodingError) -> Value {
        let result: Result<Value, BinaryReadError> = bytes.withUnsafeBytes { raw in
            var reader = BinaryEventReader(raw)
            do throws(BinaryReadError) { return .success(try body(&reader)) } catch { return .failure(error) }
        }
        switch result {
        case .success(let value): return value
        case .failure(let error): throw EventDecodingError(reason: error.reason(for: JoinedExample.self))
        }
    }
}
