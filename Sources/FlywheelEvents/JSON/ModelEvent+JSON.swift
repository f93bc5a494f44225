// MARK: - ModelEvent

// A version carries its model's weights as base64 (~70 KB for agrawal's perceptron, which publishes every ~265
// examples: ~90 versions a second at 25,000 requests/s): through Foundation's coders every character of that string
// was scanned for escapes when the trainer wrote it and again when inference and the registry read it.

extension ModelEvent: JSONBytesCodable {
    /// Reads `{"kind": …, "ts": …, "model": {…}, "weights": …?, "replaces": {…}?, "evidence": {…}?}`, fields in
    /// the order the synthesized `Codable` init decodes them.
    public init(json: JSONReader, at index: Int) throws(JSONReadError) {
        let fields = try json.fields(of: index, "kind", "ts", "model", "weights", "replaces", "evidence")
        let kind = try json.field(fields[0], "kind") { token throws(JSONReadError) -> Kind in
            guard let kind = Kind(rawValue: try json.string(at: token)) else { throw JSONReadError(kind: .invalid, path: []) }
            return kind
        }
        let ts = try json.field(fields[1], "ts", json.double)
        let model = try json.field(fields[2], "model") { token throws(JSONReadError) in try ModelReference(json: json, at: token) }
        let weights = try json.optionalField(fields[3], "weights", json.string)
        let replaces = try json.optionalField(fields[4], "replaces") { token throws(JSONReadError) in
            try ModelReference(json: json, at: token)
        }
        let evidence = try json.optionalField(fields[5], "evidence", json.evidence)
        self.init(kind: kind, ts: ts, model: model, weights: weights, replaces: replaces, evidence: evidence)
    }

    /// Writes `{"evidence":{…},"kind":…,"model":{…},"replaces":{…},"ts":…,"weights":…}`, absent fields left out.
    public func write(json: inout JSONByteWriter) throws(JSONWriteError) {
        json.byte(UInt8(ascii: "{"))
        if let evidence {
            json.raw(#""evidence":{"#)
            for (position, key) in evidence.keys.sorted().enumerated() {
                if position > 0 { json.byte(UInt8(ascii: ",")) }
                json.string(key)
                json.byte(UInt8(ascii: ":"))
                switch evidence[key]! {
                case .number(let number):
                    do { try json.finite(number, key) } catch { throw error.inside("evidence") }
                case .text(let text): json.string(text)
                }
            }
            json.raw(#"},"#)
        }
        json.raw(#""kind":"#)
        json.string(kind.rawValue)
        json.raw(#","model":"#)
        try model.write(json: &json)
        if let replaces {
            json.raw(#","replaces":"#)
            try replaces.write(json: &json)
        }
        json.raw(#","ts":"#)
        try json.finite(ts, "ts")
        if let weights {
            json.raw(#","weights":"#)
            json.string(weights)
        }
        json.byte(UInt8(ascii: "}"))
    }
}

extension JSONReader {
    /// Reads evidence as Foundation reads `[String: EvidenceValue]`: a number or a string per key (the first of a
    /// repeated key wins); anything else, or a number that cannot be read, is the wrong type at that key, and a
    /// string that cannot be read is invalid JSON.
    func evidence(at index: Int) throws(JSONReadError) -> [String: EvidenceValue] {
        var evidence: [String: EvidenceValue] = [:]
        for (key, value) in try object(at: index) {
            let name = try string(at: key)
            guard evidence[name] == nil else { continue }
            switch kind(value) {
            case .number:
                guard let number = try? double(at: value) else { throw JSONReadError(kind: .wrongType, path: [name]) }
                evidence[name] = .number(number)
            case .string:
                // A string that cannot be read makes the document invalid JSON (as Foundation says), not a wrong type.
                evidence[name] = .text(try string(at: value))
            default: throw JSONReadError(kind: .wrongType, path: [name])
            }
        }
        return evidence
    }
}
