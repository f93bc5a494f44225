import CRdKafka
import Logging
import Synchronization

// MARK: - RDKafkaClient

/// The one Swift owner of an `rd_kafka_t` handle: creates it from a configuration, lends it out, and destroys it.
///
/// `@unchecked Sendable`: librdkafka handles are thread-safe ("All librdkafka APIs are thread-safe", INTRODUCTION.md
/// §Threads and callbacks); this class only holds the immutable handle and context.
final class RDKafkaClient: @unchecked Sendable {
    /// Which kind of librdkafka client to create.
    enum Kind {
        case producer, consumer

        var rdKafkaType: rd_kafka_type_t { self == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER }
    }

    /// The librdkafka handle; valid until `deinit`.
    let handle: OpaquePointer
    /// The handle's main event queue (`rd_kafka_queue_get_main`) for producers, which poll it for delivery reports
    /// and errors; `nil` for consumers, whose main queue is forwarded to the consumer queue.
    let mainQueue: OpaquePointer?
    /// The callback context, retained for as long as the handle lives.
    let context: RDKafkaClientContext
    /// The `bootstrap.servers` this client was made with, for error messages.
    let bootstrapServers: String
    /// Topic handles by name (`rd_kafka_topic_new`), made on first use and destroyed before the client.
    private let topicHandles = Mutex<[String: OpaquePointer]>([:])
    /// The retain that the handle's opaque pointer holds; released after `rd_kafka_destroy`.
    private let contextReference: Unmanaged<RDKafkaClientContext>

    /// Creates a librdkafka client.
    /// - Parameters:
    ///   - kind: producer or consumer.
    ///   - properties: librdkafka properties, applied in order.
    ///   - context: the callback context (logger, consumer state).
    ///   - configure: extra C-level set-up on the `rd_kafka_conf_t` (callbacks, event masks).
    /// - Throws: ``KafkaError/Code-swift.struct/invalidConfiguration`` naming a rejected property.
    init(
        kind: Kind,
        properties: [(String, String)],
        context: RDKafkaClientContext,
        configure: (OpaquePointer) -> Void = { _ in }
    ) throws(KafkaError) {
        var properties = properties
        // librdkafka's log lines go through swift-log, not straight to stderr.
        properties.append(("log.connection.close", "false"))
        let conf = try RDKafkaConfig.make(properties)
        // Retained here, released in deinit after rd_kafka_destroy: callbacks may run until the handle is gone.
        let reference = Unmanaged.passRetained(context)
        rd_kafka_conf_set_opaque(conf, reference.toOpaque())
        rd_kafka_conf_set_log_cb(conf, rdKafkaLogCallback)
        configure(conf)

        var errorText = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(kind.rdKafkaType, conf, &errorText, errorText.count) else {
            // "the conf object is freed by this function on success … on failure the application must free it"
            rd_kafka_conf_destroy(conf)
            reference.release()
            let detail = String(errorBuffer: errorText)
            throw KafkaError(code: .invalidConfiguration, reason: "librdkafka rejected the configuration: \(detail)")
        }
        self.handle = handle
        // "rd_kafka_queue_get_main … Use rd_kafka_queue_destroy() to loose the reference" (rdkafka.h): released in
        // deinit, before the handle itself.
        self.mainQueue = kind == .producer ? rd_kafka_queue_get_main(handle) : nil
        self.context = context
        self.contextReference = reference
        self.bootstrapServers = properties.last { $0.0 == "bootstrap.servers" }?.1 ?? ""
    }

    deinit {
        // "rd_kafka_topic_destroy … must be called for each rd_kafka_topic_new()" before the handle goes.
        topicHandles.withLock { handles in for handle in handles.values { rd_kafka_topic_destroy(handle) } }
        if let mainQueue { rd_kafka_queue_destroy(mainQueue) }
        rd_kafka_destroy(handle)
        contextReference.release()
    }

    /// The topic handle for `name`, made on first use (`rd_kafka_topic_new` with default topic settings).
    /// - Returns: `nil` if librdkafka refuses the name.
    func topicHandle(_ name: String) -> OpaquePointer? {
        topicHandles.withLock { handles in
            if let handle = handles[name] { return handle }
            guard let handle = rd_kafka_topic_new(self.handle, name, nil) else { return nil }
            handles[name] = handle
            return handle
        }
    }

    /// The librdkafka client name (`rdkafka#producer-1`), for logs.
    var name: String { String(cString: rd_kafka_name(handle)) }

    /// The client's fatal error, if librdkafka has raised one (`rd_kafka_fatal_error`).
    func fatalError() -> KafkaError? {
        var text = [CChar](repeating: 0, count: 512)
        let err = rd_kafka_fatal_error(handle, &text, text.count)
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        let detail = String(errorBuffer: text)
        return KafkaError(
            code: .client,
            reason: "librdkafka raised a fatal error: \(detail)",
            responseCode: KafkaResponseCode(rawValue: err.rawValue),
            isFatal: true
        )
    }

    /// Fetches metadata once before a client starts working, as kcat does, so connections, partition leaders and
    /// the idempotent producer's id are in place before the first message. Without it the first messages waited
    /// 0.5–1 s on the embedded broker (measured with `flywheel-bench kafka --messages 20000`: first delivery 1.0 s,
    /// first fetched batch 0.50 s; with it, 6 ms and 3 ms). A failure is logged, not thrown: the client keeps
    /// retrying in the background.
    ///
    /// - Important: blocks for up to `timeout`; call it from the client's own poll thread.
    func warmUp(logger: Logger, timeout: Duration = .seconds(5)) {
        do {
            _ = try metadata(timeout: timeout)
        } catch {
            logger.warning("Kafka cluster not reachable yet; will keep trying", metadata: [KafkaLogKey.error: "\(error)"])
        }
    }

    /// Loads one topic's metadata through its topic handle, so librdkafka creates its partitions and delegates each
    /// to its leader's broker thread (a metadata request for all topics only fills the cache).
    ///
    /// - Important: blocks for up to `timeout`.
    /// - Throws: ``KafkaError/Code-swift.struct/unreachable`` when no broker answers in time.
    func loadTopicMetadata(_ topic: String, timeout: Duration) throws(KafkaError) {
        guard let rkt = topicHandle(topic) else {
            throw KafkaError(code: .client, reason: "librdkafka refused the topic name '\(topic)'")
        }
        var pointer: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(handle, 0, rkt, &pointer, Int32(clamping: timeout.milliseconds))
        if let pointer { rd_kafka_metadata_destroy(pointer) }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.from(err, code: .unreachable, context: "loading metadata of topic '\(topic)' from \(bootstrapServers)")
        }
    }

    /// Fetches cluster metadata, blocking for up to `timeout`.
    ///
    /// - Important: blocks the calling thread; call it through ``BlockingCall``.
    /// - Throws: ``KafkaError/Code-swift.struct/unreachable`` naming `bootstrap.servers` when no broker answers.
    func metadata(timeout: Duration) throws(KafkaError) -> KafkaClusterMetadata {
        var pointer: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(handle, 1, nil, &pointer, Int32(clamping: timeout.milliseconds))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let pointer else {
            let code = KafkaResponseCode(rawValue: err.rawValue)
            throw KafkaError(
                code: .unreachable,
                reason: "could not reach any Kafka broker at bootstrap.servers=\(bootstrapServers) within "
                    + "\(timeout) (\(code.message)); check the address and that the brokers are up",
                responseCode: code,
                isRetriable: true
            )
        }
        defer { rd_kafka_metadata_destroy(pointer) }
        return KafkaClusterMetadata(pointer.pointee)
    }
}
