import FeatureValues

// The hand-written JSON forms of the hot-path events. Each reader decodes fields in the order the type's Codable
// init does (so the first error is the one Foundation reports) and takes the first of a repeated key; each writer
// writes keys in sorted order, as `JSONEncoder` with `.sortedKeys` does.

// MARK: - ModelReference

extension ModelReference: JSONBytesCodable {
    /// Reads `{"id": …, "version": …}`.
    public init(json: JSONReader, at index: Int) throws(JSONReadError) {
        let fields = try json.fields(of: index, "id", "version")
        let (id, version) = (fields[0], fields[1])
        self.init(id: try json.field(id, "id", json.string), version: try json.field(version, "version", json.int))
    }

    /// Writes `{"id":…,"version":…}`.
    public func write(json: inout JSONByteWriter) throws(JSONWriteError) {
        json.raw(#"{"id":"#)
        json.string(id)
        json.raw(#","version":"#)
        json.integer(Int64(version))
        json.byte(UInt8(ascii: "}"))
    }
}

// MARK: - ModelOutput

extension ModelOutput: JSONBytesCodable {
    /// Reads `{"model": …, "answer": …, "probabilities": […]?}`.
    public init(json: JSONReader, at index: Int) throws(JSONReadError) {
        let fields = try json.fields(of: index, "model", "answer", "probabilities")
        let (model, answer, probabilities) = (fields[0], fields[1], fields[2])
        self.init(
            model: try json.field(model, "model") { token throws(JSONReadError) in try ModelReference(json: json, at: token) },
            answer: try json.field(answer, "answer", json.double),
            probabilities: try json.optionalField(probabilities, "probabilities", json.doubles))
    }

    /// Writes `{"answer":…,"model":…,"probabilities":[…]}` (no `probabilities` key when there are none).
    public func write(json: inout JSONByteWriter) throws(JSONWriteError) {
        json.raw(#"{"answer":"#)
        try json.finite(answer, "answer")
        json.raw(#","model":"#)
        try model.write(json: &json)
        if let probabilities {
            json.raw(#","probabilities":["#)
            for (position, probability) in probabilities.enumerated() {
                if position > 0 { json.byte(UInt8(ascii: ",")) }
                // The field's name only on failure: built for every probability, it cost a String each time.
                guard json.number(probability) else { throw JSONWriteError(path: ["probabilities", "[\(position)]"]) }
            }
            json.byte(UInt8(ascii: "]"))
        }
        json.byte(UInt8(ascii: "}"))
    }
}

// MARK: - RequestEvent

extension RequestEvent: JSONBytesCodable {
    /// Reads `{"id": …, "ts": …, "features": {…}}`.
    public init(json: JSONReader, at index: Int) throws(JSONReadError) {
        let fields = try json.fields(of: index, "id", "ts", "features")
        let (id, ts, features) = (fields[0], fields[1], fields[2])
        self.init(
            id: try json.field(id, "id", json.string), ts: try json.field(ts, "ts", json.double),
            features: try json.field(features, "features", json.features))
    }

    /// Writes `{"features":{…},"id":…,"ts":…}`.
    public func write(json: inout JSONByteWriter) throws(JSONWriteError) {
        json.raw(#"{"features":"#)
        json.features(features)
        json.raw(#","id":"#)
        json.string(id)
        json.raw(#","ts":"#)
        try json.finite(ts, "ts")
        json.byte(UInt8(ascii: "}"))
    }
}

// MARK: - LabelEvent

extension LabelEvent: JSONBytesCodable {
    /// Reads `{"id": …, "ts": …, "label": …}`.
    public init(json: JSONReader, at index: Int) throws(JSONReadError) {
        let fields = try json.fields(of: index, "id", "ts", "label")
        let (id, ts, label) = (fields[0], fields[1], fields[2])
        self.init(
            id: try json.field(id, "id", json.string), ts: try json.field(ts, "ts", json.double),
            label: try json.field(label, "label", json.double))
    }

    /// Writes `{"id":…,"label":…,"ts":…}`.
    public func write(json: inout JSONByteWriter) throws(JSONWriteError) {
        json.raw(#"{"id":"#)
        json.string(id)
        json.raw(#","label":"#)
        try json.finite(label, "label")
        json.raw(#","ts":"#)
        try json.finite(ts, "ts")
        json.byte(UInt8(ascii: "}"))
    }
}

// MARK: - PredictionEvent

extension PredictionEvent: JSONBytesCodable {
    /// Reads `{"requestId": …, "ts": …, "features": {…}, "champion": {…}, "shadows": […]}`.
    public init(json: JSONReader, at index: Int) throws(JSONReadError) {
        let fields = try json.fields(of: index, "requestId", "ts", "features", "champion", "shadows")
        let (requestId, ts, features, champion, shadows) = (fields[0], fields[1], fields[2], fields[3], fields[4])
        self.init(
            requestId: try json.field(requestId, "requestId", json.string), ts: try json.field(ts, "ts", json.double),
            features: try json.field(features, "features", json.features),
            champion: try json.field(champion, "champion") { token throws(JSONReadError) in try ModelOutput(json: json, at: token) },
            shadows: try json.field(shadows, "shadows", json.outputs))
    }

    /// Writes `{"champion":{…},"features":{…},"requestId":…,"shadows":[…],"ts":…}`.
    public func write(json: inout JSONByteWriter) throws(JSONWriteError) {
        json.raw(#"{"champion":"#)
        do { try champion.write(json: &json) } catch { throw error.inside("champion") }
        json.raw(#","features":"#)
        json.features(features)
        json.raw(#","requestId":"#)
        json.string(requestId)
        json.raw(#","shadows":"#)
        try json.outputs(shadows, "shadows")
        json.raw(#","ts":"#)
        try json.finite(ts, "ts")
        json.byte(UInt8(ascii: "}"))
    }
}

// MARK: - JoinedExample

extension JoinedExample: JSONBytesCodable {
    /// Reads `{"requestId": …, "requestTs": …, "labelTs": …, "features": {…}, "label": …, "predictions": […]}`;
    /// an empty `predictions` is not valid (there is no served answer).
    public init(json: JSONReader, at index: Int) throws(JSONReadError) {
        let fields = try json.fields(of: index, "requestId", "requestTs", "labelTs", "features", "label", "predictions")
        let (requestId, requestTs, labelTs, features, label, predictions) = (fields[0], fields[1], fields[2], fields[3], fields[4], fields[5])
        let id = try json.field(requestId, "requestId", json.string)
        let requestTime = try json.field(requestTs, "requestTs", json.double)
        let labelTime = try json.field(labelTs, "labelTs", json.double)
        let values = try json.field(features, "features", json.features)
        let truth = try json.field(label, "label", json.double)
        let outputs = try json.field(predictions, "predictions", json.outputs)
        guard let first = outputs.first else { throw JSONReadError(kind: .invalid, path: ["predictions"]) }
        self.init(
            requestId: id, requestTs: requestTime, labelTs: labelTime, features: values, label: truth, champion: first,
            shadows: Array(outputs.dropFirst()))
    }

    /// Writes `{"features":{…},"label":…,"labelTs":…,"predictions":[…],"requestId":…,"requestTs":…}`.
    public func write(json: inout JSONByteWriter) throws(JSONWriteError) {
        json.raw(#"{"features":"#)
        json.features(features)
        json.raw(#","label":"#)
        try json.finite(label, "label")
        json.raw(#","labelTs":"#)
        try json.finite(labelTs, "labelTs")
        json.raw(#","predictions":"#)
        try json.outputs(CollectionOfOne(champion) + shadows, "predictions")
        json.raw(#","requestId":"#)
        json.string(requestId)
        json.raw(#","requestTs":"#)
        try json.finite(requestTs, "requestTs")
        json.byte(UInt8(ascii: "}"))
    }
}
