import CRdKafka
import Logging

// MARK: - RDKafkaClientContext

/// What librdkafka's C callbacks need to reach Swift: the logger and, for consumers, the group state.
///
/// Passed to librdkafka as the client's opaque pointer (`rd_kafka_conf_set_opaque`) and read back in callbacks with
/// `rd_kafka_opaque(rk)`. Its fields are immutable or `Sendable` (the group state guards itself with a `Mutex`),
/// so callbacks may run on any librdkafka thread.
final class RDKafkaClientContext: Sendable {
    /// Where librdkafka's own log lines are re-emitted.
    let logger: Logger
    /// The consumer's group and offset bookkeeping, or `nil` for producers and the embedded broker's handle.
    let consumerState: ConsumerGroupState?

    /// Makes a context.
    init(logger: Logger, consumerState: ConsumerGroupState? = nil) {
        self.logger = logger
        self.consumerState = consumerState
    }
}

/// librdkafka's log callback (`rd_kafka_conf_set_log_cb`): re-emits each line through swift-log.
///
/// A global, non-isolated `@convention(c)` function: librdkafka calls it from its internal threads, so it must not
/// belong to any actor (see ../shared/PLATFORM-NOTES.md).
let rdKafkaLogCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    handle, level, facility, text in
    guard let handle, let opaque = rd_kafka_opaque(handle) else { return }
    let context = Unmanaged<RDKafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
    let facilityText = facility.map { String(cString: $0) } ?? "-"
    let message = text.map { String(cString: $0) } ?? ""
    context.logger.log(
        level: Logger.Level(syslogLevel: level),
        "\(message)",
        metadata: [KafkaLogKey.facility: "\(facilityText)"]
    )
}

extension Logger.Level {
    /// Maps a syslog severity (0 emergency … 7 debug), as librdkafka logs, to a swift-log level.
    init(syslogLevel: Int32) {
        switch syslogLevel {
        case ...2: self = .critical
        case 3: self = .error
        case 4: self = .warning
        case 5: self = .notice
        case 6: self = .info
        default: self = .debug
        }
    }
}

// MARK: - KafkaLogKey

/// Log metadata keys of the Kafka layer, dot-separated.
enum KafkaLogKey {
    /// librdkafka's log facility (e.g. `FAIL`, `REQTMOUT`).
    static let facility = "kafka.facility"
    /// A topic name.
    static let topic = "kafka.topic"
    /// A partition number.
    static let partition = "kafka.partition"
    /// An error description.
    static let error = "kafka.error"
    /// A client's role (`producer`, `consumer`, `broker`).
    static let role = "kafka.role"
}
