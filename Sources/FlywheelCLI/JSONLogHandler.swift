import ArgumentParser
import Foundation
import Logging

// MARK: - LogFormat

/// How log lines are written to stderr.
enum LogFormat: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// swift-log's plain lines: time, level, label, metadata, message.
    case text
    /// One JSON object per line (``JSONLogHandler``), for log collectors.
    case json
}

// MARK: - JSONLogHandler

/// A swift-log handler that writes each entry as one JSON object on one line of stderr:
/// `{"ts":"2026-12-03T11:22:31.123Z","level":"notice","logger":"flywheel.serve","message":"…","source":"Flywheel",…}`
/// with every metadata key (the logger's, the provider's and the entry's, in that order of precedence, the entry's
/// last) as a top-level field — metadata keys are namespaced (`kafka.topic`, `flywheel.role`), so they never meet
/// the five fixed ones. Strings stay strings, arrays and dictionaries stay JSON arrays and objects, anything else is
/// its description. Keys are sorted, so lines diff and grep the same every time.
struct JSONLogHandler: LogHandler {
    /// The minimum level written.
    var logLevel: Logger.Level = .info
    /// The logger's own metadata.
    var metadata: Logger.Metadata = [:]
    /// Metadata added to every entry (swift-log's task-local context).
    var metadataProvider: Logger.MetadataProvider?
    /// The logger's label.
    let label: String

    /// A handler for `label` at `level`.
    init(label: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        logLevel = level
        self.metadataProvider = metadataProvider
    }

    /// The logger's metadata value for `key`.
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes one entry as one line.
    func log(
        level: Logger.Level, message: Logger.Message, metadata entry: Logger.Metadata?, source: String, file: String,
        function: String, line: UInt
    ) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let entry { merged.merge(entry) { $1 } }
        FileHandle.standardError.write(Data(Self.line(
            ts: Date(), level: level, label: label, message: message.description, source: source, metadata: merged).utf8))
    }

    /// The JSON line (with its newline) for one entry.
    static func line(
        ts: Date, level: Logger.Level, label: String, message: String, source: String, metadata: Logger.Metadata
    ) -> String {
        var object: [String: Any] = metadata.mapValues(Self.json)
        object["ts"] = timestamp(ts)
        object["level"] = level.rawValue
        object["logger"] = label
        object["message"] = message
        object["source"] = source
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
            let text = String(data: data, encoding: .utf8)
        else {
            return #"{"level":"error","message":"a log entry could not be written as JSON"}"# + "\n"
        }
        return text + "\n"
    }

    /// A metadata value as JSON: strings and convertible values as strings, arrays and dictionaries as such.
    static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(json)
        case .dictionary(let values): values.mapValues(json)
        }
    }

    /// RFC 3339 in UTC with milliseconds.
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
