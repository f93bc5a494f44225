import Foundation

// MARK: - EventDecoding

/// Decodes events from Kafka message bytes, turning every failure into a sentence fit for the dead-letter topic.
public enum EventDecoding {
    /// Decodes one event.
    /// - Throws: ``EventDecodingError`` whose reason names the field, never a value.
    public static func decode<Event: Decodable>(_ type: Event.Type, from bytes: [UInt8]) throws(EventDecodingError) -> Event {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw EventDecodingError(reason: Self.reason(for: error, event: type))
        } catch {
            throw EventDecodingError(reason: "\(type) could not be decoded")
        }
    }

    /// Encodes one event as compact JSON with sorted keys.
    public static func encode<Event: Encodable>(_ event: Event) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // The events are structs of strings, numbers and arrays; encoding them cannot fail.
        return Array(try! encoder.encode(event))
    }

    private static func reason(for error: DecodingError, event: Any.Type) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return "\(event) is missing field '\(parent.isEmpty ? key.stringValue : parent + "." + key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(event) field '\(path(context.codingPath))' has the wrong type"
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return "\(event) is not valid JSON"
        case .dataCorrupted(let context):
            return "\(event) field '\(path(context.codingPath))' is not valid"
        @unknown default:
            return "\(event) could not be decoded"
        }
    }
}

// MARK: - EventDecodingError

/// An event that could not be decoded; `reason` goes to the dead-letter topic.
public struct EventDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A sentence naming what is wrong (field names, never values).
    public let reason: String

    /// Makes an error for an event that decoded but still cannot be used.
    public init(reason: String) { self.reason = reason }

    /// `EventDecodingError: <reason>`.
    public var description: String { "EventDecodingError: \(reason)" }
}

// MARK: - Base64

/// Base64 without Foundation's `Data` round trip at call sites.
enum Base64 {
    static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
}
