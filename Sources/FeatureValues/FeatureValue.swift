// MARK: - FeatureValue

/// One raw feature value of a request, as it arrives in the event: a number, a string, or missing (`null`).
public enum FeatureValue: Sendable, Hashable {
    /// A numeric value.
    case number(Double)
    /// A categorical value.
    case string(String)
    /// No value (`null` or absent).
    case missing
}

/// A request's raw features by name. Key order carries no meaning.
public typealias FeatureMap = [String: FeatureValue]
