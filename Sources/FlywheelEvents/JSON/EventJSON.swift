import FeatureValues

// The hand-written JSON forms of the hot-path events. Each reader decodes fields in the order the type's Codable
// init does (so the first error is the one Foundation reports) and takes the first of a repeated key; each writer
// writes keys in sorted order, as `JSONEncoder` with `.sortedKeys` does.

// MARK: - ModelReference

extension ModelReference: JSONBytesCodable {
    /// Reads `{"id": …, "version": …}`.
    public init(json: JSONReader, at index: Int) throws(JSONReadError) {
        var id: Int?, version: Int?
        for (key, value) in try json.object(at: index) {
            if json.key(key, is: "id") { id = id ?? value }
            else if json.key(key, is: "version") { version = version ?? value }
        }
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
        var model: Int?, answer: Int?, probabilities: Int?
        for (key, value) in try json.object(at: index) {
            if json.key(key, is: "model") { model = model ?? value }
            else if json.key(key, is: "answer") { answer = answer ?? value }
            else if json.key(key, is: "probabilities") { probabilities = probabilities ?? value }
        }
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
                do { try json.finite(probability, "[\(position)]") } catch { throw error.inside("probabilities") }
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
        var id: Int?, ts: Int?, features: Int?
        for (key, value) in try json.object(at: index) {
            if json.key(key, is: "id") { id = id ?? value }
            else if json.key(key, is: "ts") { ts = ts ?? value }
            else if json.key(key, is: "features") { features = features ?? value }
        }
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
        var id: Int?, ts: Int?, label: Int?
        for (key, value) in try json.object(at: index) {
            if json.key(key, is: "id") { id = id ?? value }
            else if json.key(key, is: "ts") { ts = ts ?? value }
            else if json.key(key, is: "label") { label = label ?? value }
        }
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
        var requestId: Int?, ts: Int?, features: Int?, champion: Int?, shadows: Int?
        for (key, value) in try json.object(at: index) {
            if json.key(key, is: "requestId") { requestId = requestId ?? value }
            else if json.key(key, is: "ts") { ts = ts ?? value }
            else if json.key(key, is: "features") { features = features ?? value }
            else if json.key(key, is: "champion") { champion = champion ?? value }
            else if json.key(key, is: "shadows") { shadows = shadows ?? value }
        }
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
        var requestId: Int?, requestTs: Int?, labelTs: Int?, features: Int?, label: Int?, predictions: Int?
        for (key, value) in try json.object(at: index) {
            if json.key(key, is: "requestId") { requestId = requestId ?? value }
            else if json.key(key, is: "requestTs") { requestTs = requestTs ?? value }
            else if json.key(key, is: "labelTs") { labelTs = labelTs ?? value }
            else if json.key(key, is: "features") { features = features ?? value }
            else if json.key(key, is: "label") { label = label ?? value }
            else if json.key(key, is: "predictions") { predictions = predictions ?? value }
        }
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
