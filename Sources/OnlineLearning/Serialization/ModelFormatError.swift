// MARK: - ModelFormatError

/// A model blob that cannot be loaded, with the reason as a sentence. Loading never traps and never yields a model
/// that differs from the one saved.
public struct ModelFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem it is.
    public enum Code: String, Sendable, Hashable {
        /// Not a Flywheel model blob at all.
        case notAModel
        /// Written by a format version this build does not read.
        case unsupportedVersion
        /// A model family this build does not know.
        case unknownModel
        /// Shorter than its contents claim.
        case truncated
        /// The checksum does not match: the bytes were changed after saving.
        case corrupt
        /// The model was trained for a different feature schema than the one expected.
        case schemaMismatch
        /// A field holds a value no saved model can have (e.g. a NaN weight, a vector of the wrong length).
        case invalidValue
    }

    /// What kind of problem it is.
    public let code: Code
    /// A sentence saying what is wrong.
    public let reason: String

    /// Makes an error.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// `ModelFormatError.<code>: <reason>`.
    public var description: String { "ModelFormatError.\(code.rawValue): \(reason)" }
}
