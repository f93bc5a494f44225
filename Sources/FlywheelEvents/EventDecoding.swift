import Foundation

// MARK: - EventDecoding

/// Decodes events from Kafka message bytes, turning every failure into a sentence fit for the dead-letter topic.
public enum EventDecoding {
    /// Decodes one event, and checks a ``ValidatedEvent``'s rules.
    /// - Throws: ``EventDecodingError`` whose reason names the field, never a value.
    public static func decode<Event: Decodable>(_ type: Event.Type, from bytes: [UInt8]) throws(EventDecodingError) -> Event {
        let event: Event
        do {
            event = try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw EventDecodingError(reason: Self.reason(for: error, event: type))
        } catch {
            throw EventDecodingError(reason: "\(type) could not be decoded")
        }
        if let problem = (event as? any ValidatedEvent)?.problem { throw EventDecodingError(reason: problem) }
        return event
    }

    /// Decodes one event through its own byte reader (``JSONBytesCodable``), not Foundation: same values and same
    /// reasons as ``decode(_:from:)-generic``, several times faster.
    /// - Throws: ``EventDecodingError`` whose reason names the field, never a value.
    public static func decode<Event: JSONBytesCodable & ValidatedEvent>(
        _ type: Event.Type, from bytes: [UInt8]
    ) throws(EventDecodingError) -> Event {
        let event: Event
        do {
            event = try JSONReader.read(bytes) { reader throws(JSONReadError) in try Event(json: reader, at: reader.root) }
        } catch {
            throw EventDecodingError(reason: error.reason(for: type))
        }
        if let problem = event.problem { throw EventDecodingError(reason: problem) }
        return event
    }

    /// Encodes one event through its own byte writer (``JSONBytesCodable``): the bytes Foundation's encoder with
    /// sorted keys writes.
    /// - Throws: ``EventEncodingError`` when the event holds a number JSON cannot carry (NaN or infinity).
    public static func encodeChecked<Event: JSONBytesCodable>(_ event: Event) throws(EventEncodingError) -> [UInt8] {
        var writer = JSONByteWriter()
        do {
            try event.write(json: &writer)
        } catch {
            throw EventEncodingError(reason: "\(Event.self) field '\(error.path.joined(separator: "."))' is not a finite number")
        }
        return writer.bytes
    }

    /// Encodes one event known to hold only finite numbers through its own byte writer.
    /// - Precondition: the event encodes; a non-finite number is a programmer's mistake here and traps.
    public static func encode<Event: JSONBytesCodable>(_ event: Event) -> [UInt8] {
        do {
            return try encodeChecked(event)
        } catch {
            preconditionFailure("EventDecoding.encode was given an event it cannot encode: \(error.reason).")
        }
    }

    /// Encodes one event through Foundation's `JSONEncoder` (the reference the byte writers are checked against).
    /// - Throws: ``EventEncodingError`` when the event holds a number JSON cannot carry (NaN or infinity).
    public static func encodeWithFoundation<Event: Encodable>(_ event: Event) throws(EventEncodingError) -> [UInt8] {
        try encodeChecked(event)
    }

    /// Decodes one event through Foundation's `JSONDecoder` (the reference the byte readers are checked against).
    /// - Throws: ``EventDecodingError`` whose reason names the field, never a value.
    public static func decodeWithFoundation<Event: Decodable>(
        _ type: Event.Type, from bytes: [UInt8]
    ) throws(EventDecodingError) -> Event {
        try decode(type, from: bytes)
    }

    /// Encodes one event as compact JSON with sorted keys.
    /// - Throws: ``EventEncodingError`` when the event holds a number JSON cannot carry (NaN or infinity).
    public static func encodeChecked<Event: Encodable>(_ event: Event) throws(EventEncodingError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return Array(try encoder.encode(event))
        } catch let error as EncodingError {
            if case .invalidValue(_, let context) = error {
                let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
                throw EventEncodingError(reason: "\(Event.self) field '\(path)' is not a finite number")
            }
            throw EventEncodingError(reason: "\(Event.self) could not be encoded")
        } catch {
            throw EventEncodingError(reason: "\(Event.self) could not be encoded")
        }
    }

    /// Encodes one event known to hold only finite numbers (the roles use ``encodeChecked(_:)``).
    /// - Precondition: the event encodes; a non-finite number is a programmer's mistake here and traps.
    public static func encode<Event: Encodable>(_ event: Event) -> [UInt8] {
        do {
            return try encodeChecked(event)
        } catch {
            preconditionFailure("EventDecoding.encode was given an event it cannot encode: \(error.reason).")
        }
    }

    /// The event as JSON even when it holds NaN or infinity (written as the strings "nan", "inf", "-inf"): for a
    /// dead letter, so a person can see what could not be published.
    public static func encodeLossy<Event: Encodable>(_ event: Event) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return (try? encoder.encode(event)).map { Array($0) } ?? []
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

// MARK: - EventEncodingError

/// An event a role made that cannot be encoded; it goes to the dead-letter topic with this reason.
public struct EventEncodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A sentence naming the field, never the value.
    public let reason: String

    /// Makes an error.
    public init(reason: String) { self.reason = reason }

    /// `EventEncodingError: <reason>`.
    public var description: String { "EventEncodingError: \(reason)" }
}

// MARK: - Base64

/// Base64 without Foundation's `Data` round trip at call sites.
enum Base64 {
    static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
}
