import CRdKafka

// MARK: - KafkaError

/// The one error type of the Kafka layer: a stable code, a sentence that says what went wrong (and, where there is
/// one, the fix), librdkafka's own error code, and how to react — retry, abort the transaction, or give up.
///
/// Shaped like swift-service-lifecycle's `ServiceGroupError`: compare errors by ``code``, read ``description``.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; stable across releases, safe to switch over.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidConfiguration, unreachable, client, message, transaction, topicAdmin, embeddedBroker
            case shutdown
        }

        private let base: Base

        /// A configuration property is unknown, has an invalid value, or the combination is inconsistent.
        public static let invalidConfiguration = Code(base: .invalidConfiguration)
        /// No broker of `bootstrap.servers` could be reached.
        public static let unreachable = Code(base: .unreachable)
        /// librdkafka reported an error for a client operation (poll, commit, assign, metadata, …).
        public static let client = Code(base: .client)
        /// A message could not be enqueued or was not delivered.
        public static let message = Code(base: .message)
        /// A transactional API call failed; see ``isRetriable``, ``isTransactionAbortRequired`` and ``isFatal``.
        public static let transaction = Code(base: .transaction)
        /// Creating a topic failed.
        public static let topicAdmin = Code(base: .topicAdmin)
        /// The embedded broker could not be started or asked to do something it cannot.
        public static let embeddedBroker = Code(base: .embeddedBroker)
        /// The client is shutting down or has shut down.
        public static let shutdown = Code(base: .shutdown)

        /// The code's stable name, e.g. `invalidConfiguration`.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// librdkafka's error code (`rd_kafka_resp_err_t`), when librdkafka reported one.
    public let responseCode: KafkaResponseCode?
    /// A sentence saying what failed and, where possible, how to fix it. Never contains message payloads.
    public let reason: String
    /// The client instance can no longer be used and must be recreated (librdkafka's fatal errors,
    /// `rd_kafka_error_is_fatal`).
    public let isFatal: Bool
    /// The same call may succeed if tried again (`rd_kafka_error_is_retriable`, or a transient response code).
    public let isRetriable: Bool
    /// The current transaction must be aborted before new work (`rd_kafka_error_txn_requires_abort`).
    public let isTransactionAbortRequired: Bool
    /// Source file where the error was made.
    public let file: String
    /// Source line where the error was made.
    public let line: UInt

    /// Makes an error.
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - reason: A sentence saying what failed.
    ///   - responseCode: librdkafka's code, if any; it sets ``isRetriable`` for known transient codes.
    ///   - isFatal: Whether the client must be recreated.
    ///   - isRetriable: Whether a retry may succeed; defaults to what the response code implies.
    ///   - isTransactionAbortRequired: Whether the transaction must be aborted.
    public init(
        code: Code,
        reason: String,
        responseCode: KafkaResponseCode? = nil,
        isFatal: Bool = false,
        isRetriable: Bool? = nil,
        isTransactionAbortRequired: Bool = false,
        file: String = #fileID,
        line: UInt = #line
    ) {
        self.code = code
        self.reason = reason
        self.responseCode = responseCode
        self.isFatal = isFatal
        self.isRetriable = isRetriable ?? (responseCode?.isTransient ?? false)
        self.isTransactionAbortRequired = isTransactionAbortRequired
        self.file = file
        self.line = line
    }

    /// `KafkaError.<code>: <reason> [<librdkafka code name>] (fatal|retriable|abort transaction)`.
    public var description: String {
        var text = "KafkaError.\(code): \(reason)"
        if let responseCode { text += " [\(responseCode.name)]" }
        var flags: [String] = []
        if isFatal { flags.append("fatal") }
        if isRetriable { flags.append("retriable") }
        if isTransactionAbortRequired { flags.append("abort transaction") }
        if !flags.isEmpty { text += " (\(flags.joined(separator: ", ")))" }
        return text
    }
}

extension KafkaError {
    /// Wraps an `rd_kafka_error_t`, classifying it the way librdkafka does, and destroys it.
    ///
    /// - Important: takes ownership of `error` ("The error object must be destroyed by the application
    ///   with rd_kafka_error_destroy()", rdkafka.h).
    static func consuming(
        _ error: OpaquePointer,
        code: Code,
        context: String,
        file: String = #fileID,
        line: UInt = #line
    ) -> KafkaError {
        defer { rd_kafka_error_destroy(error) }
        let message = String(cString: rd_kafka_error_string(error))
        return KafkaError(
            code: code,
            reason: "\(context): \(message)",
            responseCode: KafkaResponseCode(rawValue: rd_kafka_error_code(error).rawValue),
            isFatal: rd_kafka_error_is_fatal(error) != 0,
            isRetriable: rd_kafka_error_is_retriable(error) != 0,
            isTransactionAbortRequired: rd_kafka_error_txn_requires_abort(error) != 0,
            file: file,
            line: line
        )
    }

    /// Makes an error from a bare `rd_kafka_resp_err_t`.
    static func from(
        _ err: rd_kafka_resp_err_t,
        code: Code,
        context: String,
        file: String = #fileID,
        line: UInt = #line
    ) -> KafkaError {
        let responseCode = KafkaResponseCode(rawValue: err.rawValue)
        return KafkaError(
            code: code,
            reason: "\(context): \(responseCode.message)",
            responseCode: responseCode,
            isFatal: err == RD_KAFKA_RESP_ERR__FATAL,
            file: file,
            line: line
        )
    }
}
