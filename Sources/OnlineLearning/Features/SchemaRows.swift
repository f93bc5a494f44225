import FeatureValues

// MARK: - SchemaRows

/// Several requests' raw values in a schema's feature order, each looked up in its request once: every pipeline on
/// that schema then encodes them (``FeaturePipeline/encode(_:)``) without reading the requests' dictionaries again.
/// The inference role scores a whole batch with the champion and every shadow this way.
public struct SchemaRows: Sendable {
    /// The schema the values follow.
    public let schema: FeatureSchema
    /// How many requests.
    public let count: Int
    /// `count × schema.features.count` values, request after request.
    let values: [FeatureValue]

    /// Looks up each request's value of each schema feature (`.missing` when absent).
    public init(_ requests: [FeatureMap], schema: FeatureSchema) {
        self.schema = schema
        count = requests.count
        var values: [FeatureValue] = []
        values.reserveCapacity(requests.count * schema.features.count)
        for request in requests {
            for feature in schema.features { values.append(request[feature.name] ?? .missing) }
        }
        self.values = values
    }
}

extension FeaturePipeline {
    /// The vectors ``transform(_:)`` gives for each row, row after row (`rows.count × dimension` values).
    /// - Precondition: `rows` follow this pipeline's schema.
    public func encode(_ rows: SchemaRows) -> [Float] {
        precondition(rows.schema == schema, "rows of another schema")
        let width = dimension
        let features = schema.features.count
        var matrix = [Float](repeating: 0, count: rows.count * width)
        var ignored: [FeatureIssue] = []
        matrix.withUnsafeMutableBufferPointer { buffer in
            for row in 0..<rows.count {
                let vector = UnsafeMutableBufferPointer(rebasing: buffer[(row * width)..<((row + 1) * width)])
                fill(vector, issues: &ignored) { rows.values[row * features + $0] }
                ignored.removeAll(keepingCapacity: true)
            }
        }
        return matrix
    }
}
