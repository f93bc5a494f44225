// MARK: - FeatureValue + Codable

extension FeatureValue: Codable {
    /// Decodes a JSON number, string or `null`.
    /// - Throws: `DecodingError.typeMismatch` for anything else (objects, arrays, booleans).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .missing
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else {
            throw DecodingError.typeMismatch(
                FeatureValue.self,
                .init(codingPath: decoder.codingPath, debugDescription: "a feature is a number, a string or null")
            )
        }
    }

    /// Encodes as a JSON number, string or `null` (a non-finite number as `null`: JSON has no NaN).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let number) where number.isFinite: try container.encode(number)
        case .number, .missing: try container.encodeNil()
        case .string(let text): try container.encode(text)
        }
    }
}
