import FeatureValues

// MARK: - JSONBytesCodable

/// A type with its own reader and writer of JSON bytes (``JSONReader``, ``JSONByteWriter``) that agree with its
/// `Codable` form under Foundation: the same bytes out, the same values in, the same error for a bad document.
/// ``EventDecoding`` takes this path for every event type that has it; the codec tests check the agreement by round
/// trip and by fuzzing.
public protocol JSONBytesCodable: Codable {
    /// Reads the value at token `index`.
    /// - Throws: ``JSONReadError`` with the path of the offending field, as Foundation's `DecodingError` would name it.
    init(json: JSONReader, at index: Int) throws(JSONReadError)

    /// Writes the value.
    /// - Throws: ``JSONWriteError`` naming the field whose number is not finite (nothing else fails).
    func write(json: inout JSONByteWriter) throws(JSONWriteError)
}

// MARK: - JSONWriteError

/// A value that JSON cannot carry (NaN or an infinity) at `path`.
public struct JSONWriteError: Error, Sendable, Hashable {
    /// The field's path from the top (array positions as `[i]`).
    public var path: [String]

    /// Makes an error.
    public init(path: [String]) { self.path = path }

    /// The same error one level down: inside the field `component`.
    public func inside(_ component: String) -> JSONWriteError { JSONWriteError(path: [component] + path) }
}

extension JSONByteWriter {
    /// Writes a number that must be finite.
    /// - Throws: ``JSONWriteError`` at `field` when it is not.
    @inline(__always)
    mutating func finite(_ value: Double, _ field: String) throws(JSONWriteError) {
        guard number(value) else { throw JSONWriteError(path: [field]) }
    }

    /// Writes features as Foundation writes a `FeatureMap`: keys sorted, a non-finite number or a missing value as
    /// `null`.
    mutating func features(_ features: FeatureMap) {
        byte(UInt8(ascii: "{"))
        var first = true
        // Sorted with their values: sorting the keys alone cost a hash lookup per key afterwards.
        for (key, value) in features.sorted(by: { $0.key < $1.key }) {
            if !first { byte(UInt8(ascii: ",")) }
            first = false
            string(key)
            byte(UInt8(ascii: ":"))
            switch value {
            case .number(let value): if !number(value) { raw("null") }
            case .string(let text): string(text)
            case .missing: raw("null")
            }
        }
        byte(UInt8(ascii: "}"))
    }

    /// Writes model outputs as a JSON array.
    mutating func outputs(_ outputs: some Collection<ModelOutput>, _ field: String) throws(JSONWriteError) {
        byte(UInt8(ascii: "["))
        for (position, output) in outputs.enumerated() {
            if position > 0 { byte(UInt8(ascii: ",")) }
            do { try output.write(json: &self) } catch { throw error.inside("[\(position)]").inside(field) }
        }
        byte(UInt8(ascii: "]"))
    }
}

extension JSONReader {
    /// Reads features as Foundation reads a `FeatureMap`: a number, a string or `null` per key (the first of a
    /// repeated key wins); anything else, or a number or string that cannot be read, is the wrong type at that key.
    func features(at index: Int) throws(JSONReadError) -> FeatureMap {
        let members = try object(at: index)
        var count = 0
        for _ in members { count += 1 }
        var features = FeatureMap(minimumCapacity: count)
        for (key, value) in members {
            let name = try string(at: key)
            let feature: FeatureValue
            switch kind(value) {
            case .null: feature = .missing
            case .number:
                guard let number = try? double(at: value) else { try Self.refuse(name, unlessIn: features); continue }
                feature = .number(number)
            case .string:
                guard let text = try? string(at: value) else { try Self.refuse(name, unlessIn: features); continue }
                feature = .string(text)
            default: try Self.refuse(name, unlessIn: features); continue
            }
            // One hash per feature; a repeated key (rare) puts the first value back.
            if let first = features.updateValue(feature, forKey: name) { features[name] = first }
        }
        return features
    }

    /// A feature whose value cannot be read is the wrong type at its key — unless the key came before: then this
    /// repetition is skipped unread, as Foundation skips it.
    private static func refuse(_ name: String, unlessIn features: FeatureMap) throws(JSONReadError) {
        guard features[name] == nil else { return }
        throw JSONReadError(kind: .wrongType, path: [name])
    }

    /// Reads an array of model outputs.
    func outputs(at index: Int) throws(JSONReadError) -> [ModelOutput] {
        let elements = try elements(of: index)
        var outputs: [ModelOutput] = []
        outputs.reserveCapacity(elements.count)
        for (position, element) in elements.enumerated() {
            do { outputs.append(try ModelOutput(json: self, at: element)) } catch { throw error.inside("[\(position)]") }
        }
        return outputs
    }
}
