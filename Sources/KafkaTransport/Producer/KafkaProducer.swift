import CRdKafka
import Logging
import ServiceLifecycle
import Synchronization

// MARK: - KafkaProducer

/// Produces records to Kafka through librdkafka, with a delivery report for every message.
///
/// Run it as a `Service` (``run()``) in the application's `ServiceGroup`: `run` serves librdkafka's event queue on a
/// dedicated thread (delivery reports, errors) and, on graceful shutdown or cancellation, waits for queued messages to
/// be delivered (up to ``KafkaProducerConfiguration/flushTimeout``) before it returns.
///
/// Two ways to send:
/// - ``deliver(_:)`` sends a batch and returns when every message in it has a report — for "commit input offsets only
///   after the output is delivered";
/// - ``send(_:)`` enqueues one message and returns its id; its report updates ``statistics`` and, when enabled,
///   appears on ``deliveryReports``.
///
/// - Important: delivery reports arrive only while ``run()`` is running.
public final class KafkaProducer: Service, Sendable {
    /// The configuration this producer was made with.
    public let configuration: KafkaProducerConfiguration
    /// Reports of messages sent with ``send(_:)``, if ``KafkaProducerConfiguration/isDeliveryReportStreamEnabled``;
    /// otherwise a stream that finishes when the producer stops, with no elements.
    ///
    /// - Important: when enabled, read it: reports are buffered until read.
    public let deliveryReports: AsyncStream<KafkaDeliveryReport>

    let client: RDKafkaClient
    let logger: Logger
    let tracker: DeliveryTracker
    private let isStopRequested = Atomic<Bool>(false)

    /// Creates the librdkafka producer. No connection is made until the first message or metadata request.
    /// - Parameters:
    ///   - configuration: where and how to produce.
    ///   - logger: receives librdkafka's log lines and the producer's own.
    /// - Throws: ``KafkaError/Code-swift.struct/invalidConfiguration`` naming a rejected property.
    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws(KafkaError) {
        try configuration.client.validate()
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: KafkaLogKey.role] = "producer"
        self.logger = logger
        let (stream, continuation) = AsyncStream<KafkaDeliveryReport>.makeStream()
        // The report stream is only fed when enabled; otherwise it ends at once.
        self.deliveryReports = stream
        if !configuration.isDeliveryReportStreamEnabled { continuation.finish() }
        self.tracker = DeliveryTracker(
            reportContinuation: configuration.isDeliveryReportStreamEnabled ? continuation : nil
        )
        self.client = try RDKafkaClient(
            kind: .producer,
            properties: configuration.librdkafkaProperties,
            context: RDKafkaClientContext(logger: logger)
        ) { conf in
            // Delivery reports and errors as events on the main queue, polled by run(): no C callback needed.
            rd_kafka_conf_set_events(conf, Int32(RD_KAFKA_EVENT_DR | RD_KAFKA_EVENT_ERROR))
        }
    }

    /// Counters of messages enqueued, delivered and failed.
    public var statistics: KafkaProducerStatistics { tracker.statistics }

    /// How many messages librdkafka still holds: queued, in flight, or awaiting a report (`rd_kafka_outq_len`).
    public var outstandingMessages: Int { Int(rd_kafka_outq_len(client.handle)) }

    /// Serves delivery reports until graceful shutdown or cancellation, then waits for outstanding messages.
    /// - Throws: the client's fatal ``KafkaError`` if librdkafka raised one (the producer is then unusable).
    public func run() async throws {
        try await BlockingCall.runUntilShutdown(name: "flywheel.kafka.producer", requestStop: requestStop) {
            () throws(KafkaError) in try self.eventLoop()
        }
    }

    /// Asks ``run()`` to drain outstanding messages and return. Safe to call from any thread, more than once.
    public func requestStop() {
        isStopRequested.store(true, ordering: .releasing)
    }

    /// Fetches cluster metadata: a check that `bootstrap.servers` is reachable.
    /// - Throws: ``KafkaError/Code-swift.struct/unreachable`` naming the address when no broker answers in time.
    public func metadata(timeout: Duration = .seconds(10)) async throws(KafkaError) -> KafkaClusterMetadata {
        try await client.metadataOffThread(timeout: timeout)
    }

    // MARK: Event loop

    /// The poll loop, on its dedicated thread.
    private func eventLoop() throws(KafkaError) {
        guard let queue = client.mainQueue else { preconditionFailure("A producer client always has a main queue.") }
        var failure: KafkaError?
        client.warmUp(logger: logger)
        while !isStopRequested.load(ordering: .acquiring) && failure == nil {
            failure = serveOneEvent(queue: queue, timeout: 100)
        }
        let clock = ContinuousClock()
        if failure == nil {
            // Drain: serve reports until librdkafka holds nothing, or the flush timeout passes.
            let deadline = clock.now.advanced(by: configuration.flushTimeout)
            rd_kafka_flush(client.handle, 0)  // wake the linger timer so queued messages go out now
            while rd_kafka_outq_len(client.handle) > 0 && clock.now < deadline && failure == nil {
                failure = serveOneEvent(queue: queue, timeout: 50)
            }
        }
        let left = rd_kafka_outq_len(client.handle)
        if left > 0 {
            logger.error("Producer stopping with messages undelivered; they are reported as failed", metadata: ["kafka.undelivered": "\(left)"])
            // Purged messages get delivery reports with _PURGE_QUEUE / _PURGE_INFLIGHT; serve them briefly.
            _ = rd_kafka_purge(client.handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
            let deadline = clock.now.advanced(by: .seconds(2))
            while rd_kafka_outq_len(client.handle) > 0 && clock.now < deadline {
                _ = serveOneEvent(queue: queue, timeout: 50)
            }
        }
        tracker.close(failingPendingWith: failure == nil ? .messageTimedOut : .fatal)
        if let failure { throw failure }
    }

    /// Polls one event and handles it.
    /// - Returns: a fatal error that must end the loop, if one arrived.
    private func serveOneEvent(queue: OpaquePointer, timeout: Int32) -> KafkaError? {
        guard let event = rd_kafka_queue_poll(queue, timeout) else { return nil }
        defer { rd_kafka_event_destroy(event) }
        switch rd_kafka_event_type(event) {
        case Int32(RD_KAFKA_EVENT_DR):
            tracker.complete(Self.reports(in: event))
        case Int32(RD_KAFKA_EVENT_ERROR):
            let err = rd_kafka_event_error(event)
            let text = String(cString: rd_kafka_event_error_string(event))
            if rd_kafka_event_error_is_fatal(event) != 0 {
                let error = client.fatalError()
                    ?? KafkaError.from(err, code: .client, context: "producer fatal error: \(text)")
                logger.critical("Producer hit a fatal error", metadata: [KafkaLogKey.error: "\(error)"])
                return error
            }
            logger.warning("Producer error", metadata: [KafkaLogKey.error: "\(text)"])
        default:
            break
        }
        return nil
    }

    /// Copies the delivery reports out of a `RD_KAFKA_EVENT_DR` event.
    private static func reports(in event: OpaquePointer) -> [KafkaDeliveryReport] {
        var reports: [KafkaDeliveryReport] = []
        reports.reserveCapacity(Int(rd_kafka_event_message_count(event)))
        while let message = rd_kafka_event_message_next(event) {
            let entry = message.pointee
            let isDelivered = entry.err == RD_KAFKA_RESP_ERR_NO_ERROR
            reports.append(
                KafkaDeliveryReport(
                    messageID: UInt64(UInt(bitPattern: entry._private)),
                    partition: entry.partition,
                    offset: isDelivered && entry.offset >= 0 ? entry.offset : nil,
                    error: isDelivered ? nil : KafkaResponseCode(rawValue: entry.err.rawValue)
                )
            )
        }
        return reports
    }

}
