// MARK: - JSONReadError

/// Why an event could not be read from JSON bytes, in the terms Foundation's `DecodingError` uses, so the dead-letter
/// reason is the same sentence whichever codec read the event.
public struct JSONReadError: Error, Sendable, Hashable {
    /// What went wrong.
    public enum Kind: Sendable, Hashable {
        /// The bytes are not JSON, or a number does not fit the type it is read as.
        case invalidJSON
        /// A required field is absent.
        case missing
        /// A field holds the wrong kind of value (or null where a value is required).
        case wrongType
        /// A field holds a value of the right kind that the event cannot use.
        case invalid
    }

    /// What went wrong.
    public var kind: Kind
    /// The field's path from the top of the event, e.g. `["champion", "model", "version"]` (array positions as `[i]`).
    public var path: [String]

    /// The document is not JSON.
    public static let invalidJSON = JSONReadError(kind: .invalidJSON, path: [])

    /// Makes an error at a path.
    public init(kind: Kind, path: [String]) {
        self.kind = kind
        self.path = path
    }

    /// The same error one level down: inside the field `component` of the value being read.
    public func inside(_ component: String) -> JSONReadError {
        kind == .invalidJSON ? self : JSONReadError(kind: kind, path: [component] + path)
    }

    /// The dead-letter sentence for an event of type `event`, as ``EventDecoding`` words Foundation's errors.
    public func reason(for event: Any.Type) -> String {
        let field = path.joined(separator: ".")
        switch kind {
        case .invalidJSON: return "\(event) is not valid JSON"
        case .missing: return "\(event) is missing field '\(field)'"
        case .wrongType: return "\(event) field '\(field)' has the wrong type"
        case .invalid: return "\(event) field '\(field)' is not valid"
        }
    }
}
