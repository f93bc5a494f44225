import FeatureValues

// MARK: - JoinedExample + binary form

/// The binary form of a joined example on `flywheel.examples` (layout in docs/event-formats.md; an outside reader in
/// scripts/read-examples.py). It carries exactly what the JSON form (`example.schema.json`) carries — the same
/// fields, finite numbers only, the champion's answer first — at a fraction of the cost to write and read: the
/// feedback role writes it, the trainer and the promoter read either form.
extension JoinedExample {
    /// The first four bytes of the binary form: `FWX` and the layout's version, 1. No JSON document starts with them.
    public static let binaryMagic: [UInt8] = [0x46, 0x57, 0x58, 0x01]

    /// Whether `bytes` are in the binary form (start with ``binaryMagic``); anything else is read as JSON.
    public static func isBinary(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x46 && bytes[1] == 0x57 && bytes[2] == 0x58 && bytes[3] == 0x01
    }

    /// Feature value tags: no value, a number, a string.
    enum FeatureTag: UInt8 {
        case missing = 0, number = 1, string = 2
    }

    /// Writes the binary form. Features go in the dictionary's order (their order carries no meaning); a non-finite
    /// feature is written as missing, as the JSON form writes `null`.
    /// - Throws: ``JSONWriteError`` naming the field when a timestamp, the label, an answer or a probability is not
    ///   finite (the JSON form cannot carry it either).
    public func write(binary writer: inout BinaryEventWriter) throws(JSONWriteError) {
        writer.raw(Self.binaryMagic)
        writer.string(requestId)
        try writer.finite(requestTs, "requestTs")
        try writer.finite(labelTs, "labelTs")
        try writer.finite(label, "label")
        writer.count(features.count)
        for (name, value) in features {
            writer.string(name)
            switch value {
            case .number(let number) where number.isFinite:
                writer.byte(FeatureTag.number.rawValue)
                writer.double(number)
            case .number, .missing:
                writer.byte(FeatureTag.missing.rawValue)
            case .string(let text):
                writer.byte(FeatureTag.string.rawValue)
                writer.string(text)
            }
        }
        writer.count(1 + shadows.count)
        do { try champion.write(binary: &writer) } catch { throw error.inside("[0]").inside("predictions") }
        for (index, shadow) in shadows.enumerated() {
            do { try shadow.write(binary: &writer) } catch { throw error.inside("[\(index + 1)]").inside("predictions") }
        }
    }

    /// Reads the binary form, magic included, to its last byte.
    /// - Throws: ``BinaryReadError`` naming the field.
    public init(binary reader: inout BinaryEventReader) throws(BinaryReadError) {
        let head = try Self.readHead(&reader)
        let count = try Self.readAnswerCount(&reader)
        func answer(_ position: Int) throws(BinaryReadError) -> ModelOutput {
            do { return try ModelOutput(binary: &reader) } catch { throw error.inside("[\(position)]").inside("predictions") }
        }
        let champion = try answer(0)
        var shadows: [ModelOutput] = []
        shadows.reserveCapacity(count - 1)
        for position in 1..<count { shadows.append(try answer(position)) }
        guard reader.remaining == 0 else { throw BinaryReadError(kind: .trailing, path: []) }
        self.init(
            requestId: head.requestId, requestTs: head.requestTs, labelTs: head.labelTs, features: head.features,
            label: head.label, champion: champion, shadows: shadows)
    }

    /// The number of answers, at least one (the served answer).
    static func readAnswerCount(_ reader: inout BinaryEventReader) throws(BinaryReadError) -> Int {
        let count = try field("predictions") { () throws(BinaryReadError) in try reader.count(minimumSize: 24) }
        guard count > 0 else { throw BinaryReadError(kind: .invalid, path: ["predictions"]) }
        return count
    }

    /// Everything before `predictions`: the part the trainer reads.
    static func readHead(
        _ reader: inout BinaryEventReader
    ) throws(BinaryReadError) -> (requestId: String, requestTs: Double, labelTs: Double, label: Double, features: FeatureMap) {
        try reader.skip(binaryMagic.count)
        let id = try field("requestId") { () throws(BinaryReadError) in try reader.string() }
        let requestTs = try field("requestTs") { () throws(BinaryReadError) in try reader.finite() }
        let labelTs = try field("labelTs") { () throws(BinaryReadError) in try reader.finite() }
        let label = try field("label") { () throws(BinaryReadError) in try reader.finite() }
        let features = try field("features") { () throws(BinaryReadError) in try readFeatures(&reader) }
        return (id, requestTs, labelTs, label, features)
    }

    private static func readFeatures(_ reader: inout BinaryEventReader) throws(BinaryReadError) -> FeatureMap {
        let count = try reader.count(minimumSize: 5)
        var features = FeatureMap(minimumCapacity: count)
        for _ in 0..<count {
            let name = try reader.string()
            let value: FeatureValue
            do throws(BinaryReadError) {
                switch FeatureTag(rawValue: try reader.byte()) {
                case .missing: value = .missing
                case .number: value = .number(try reader.finite())
                case .string: value = .string(try reader.string())
                case nil: throw BinaryReadError(kind: .invalid, path: [])
                }
            } catch {
                throw error.inside(name)
            }
            guard features.updateValue(value, forKey: name) == nil else { throw BinaryReadError(kind: .invalid, path: [name]) }
        }
        return features
    }

    /// Runs `read`, naming `name` in its error.
    @inline(__always)
    static func field<Value>(_ name: String, _ read: () throws(BinaryReadError) -> Value) throws(BinaryReadError) -> Value {
        do { return try read() } catch { throw error.inside(name) }
    }
}

// MARK: - ModelOutput + binary form

extension ModelOutput {
    /// Writes the model id, its version, the answer and the probabilities (a count one more than their number, 0
    /// when there are none).
    /// - Throws: ``JSONWriteError`` at `answer` or `probabilities.[i]` for a number that is not finite.
    func write(binary writer: inout BinaryEventWriter) throws(JSONWriteError) {
        writer.string(model.id)
        writer.integer(Int64(model.version))
        try writer.finite(answer, "answer")
        guard let probabilities else { return writer.count(0) }
        writer.count(probabilities.count + 1)
        for (position, probability) in probabilities.enumerated() {
            // The field's name only on failure: built for every probability, it cost a String each time.
            guard probability.isFinite else { throw JSONWriteError(path: ["probabilities", "[\(position)]"]) }
            writer.double(probability)
        }
    }

    /// Reads what ``write(binary:)`` writes.
    init(binary reader: inout BinaryEventReader) throws(BinaryReadError) {
        let id = try JoinedExample.field("model") { () throws(BinaryReadError) in
            do throws(BinaryReadError) { return try reader.string() } catch { throw error.inside("id") }
        }
        let version = try JoinedExample.field("model") { () throws(BinaryReadError) in
            do throws(BinaryReadError) { return try reader.integer() } catch { throw error.inside("version") }
        }
        guard let served = Int(exactly: version) else { throw BinaryReadError(kind: .invalid, path: ["model", "version"]) }
        let answer = try JoinedExample.field("answer") { () throws(BinaryReadError) in try reader.finite() }
        let count = try JoinedExample.field("probabilities") { () throws(BinaryReadError) in
            let count = try reader.count(minimumSize: 0)
            guard count <= 1 || count - 1 <= reader.remaining / 8 else { throw BinaryReadError(kind: .truncated, path: []) }
            return count
        }
        var probabilities: [Double]?
        if count > 0 {
            var values: [Double] = []
            values.reserveCapacity(count - 1)
            for position in 0..<(count - 1) {
                values.append(try JoinedExample.field("probabilities") { () throws(BinaryReadError) in
                    do throws(BinaryReadError) { return try reader.finite() } catch { throw error.inside("[\(position)]") }
                })
            }
            probabilities = values
        }
        self.init(model: ModelReference(id: id, version: served), answer: answer, probabilities: probabilities)
    }
}
