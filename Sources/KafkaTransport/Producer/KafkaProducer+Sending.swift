import CRdKafka

extension KafkaProducer {
    /// Sends a batch and waits until every message in it is delivered or has failed.
    ///
    /// Messages are enqueued in order; when librdkafka's queue is full the call waits for room. A message librdkafka
    /// refuses outright (unknown partition, too large) gets a failed report at once rather than a thrown error, so the
    /// result always has one report per message, in the order given.
    ///
    /// - Parameter messages: the records to produce.
    /// - Returns: one report per message, in order.
    /// - Throws: ``KafkaError/Code-swift.struct/shutdown`` if the producer has stopped or the task is cancelled while
    ///   waiting for queue room; the client's fatal error if it has one.
    /// - Important: ``run()`` must be running for reports to arrive. When it ends, every report still missing is
    ///   completed as failed, so this never waits forever.
    public func deliver(_ messages: [KafkaOutgoingMessage]) async throws(KafkaError) -> [KafkaDeliveryReport] {
        await reports(for: try await enqueue(messages))
    }

    /// Hands a batch to librdkafka without waiting for its delivery: the first half of ``deliver(_:)``, for a caller
    /// that has other work to do before it needs the reports (``reports(for:)``, which must then be awaited exactly
    /// once). Messages are enqueued in order; when librdkafka's queue is full the call waits for room.
    /// - Returns: the batch, to ask for its reports.
    /// - Throws: as ``deliver(_:)`` does.
    public func enqueue(_ messages: [KafkaOutgoingMessage]) async throws(KafkaError) -> KafkaPendingBatch {
        guard !messages.isEmpty else { return KafkaPendingBatch(firstID: 0, count: 0) }
        guard let firstID = tracker.reserve(messages.count, waiting: true) else { throw stoppedError() }
        var index = 0
        var lastTopic: (name: String, handle: OpaquePointer?)?
        while index < messages.count {
            // Fast path: hand messages over without suspending until librdkafka's queue is full; the topic handle
            // is looked up once per run of messages to the same topic.
            let start = index
            while index < messages.count {
                let message = messages[index]
                if lastTopic?.name != message.topic {
                    lastTopic = (message.topic, client.topicHandle(message.topic))
                }
                guard produce(message, id: firstID + UInt64(index), topic: lastTopic?.handle) == RD_KAFKA_RESP_ERR_NO_ERROR
                else { break }
                index += 1
            }
            tracker.recordEnqueued(index - start)
            if index < messages.count {
                // The slow path waits for queue room, or reports a refused message as failed.
                try await enqueue(messages[index], id: firstID + UInt64(index))
                index += 1
            }
        }
        return KafkaPendingBatch(firstID: firstID, count: messages.count)
    }

    /// Waits until every message of a batch from ``enqueue(_:)`` is delivered or has failed.
    /// - Returns: one report per message, in the order enqueued.
    /// - Important: ``run()`` must be running for reports to arrive (see ``deliver(_:)``); ask once per batch.
    public func reports(for batch: KafkaPendingBatch) async -> [KafkaDeliveryReport] {
        guard batch.count > 0 else { return [] }
        return await tracker.waitForBatch(startingAt: batch.firstID)
    }

    /// Enqueues one message and returns its id; the outcome goes to ``statistics`` and, when enabled,
    /// ``deliveryReports``.
    /// - Returns: the message id that its ``KafkaDeliveryReport`` will carry.
    /// - Throws: ``KafkaError/Code-swift.struct/shutdown`` if cancelled while waiting for queue room.
    @discardableResult
    public func send(_ message: KafkaOutgoingMessage) async throws(KafkaError) -> UInt64 {
        guard let id = tracker.reserve(1, waiting: false) else { throw stoppedError() }
        try await enqueue(message, id: id)
        return id
    }

    /// Waits until librdkafka holds no more messages (all delivered or failed), or `timeout` passes.
    /// - Throws: ``KafkaError/Code-swift.struct/message`` naming how many are left when the timeout passes.
    /// - Important: ``run()`` must be running: it serves the reports that empty the queue.
    public func flush(timeout: Duration) async throws(KafkaError) {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        rd_kafka_flush(client.handle, 0)
        while outstandingMessages > 0 {
            if clock.now >= deadline {
                throw KafkaError(
                    code: .message,
                    reason: "\(outstandingMessages) messages still undelivered after waiting \(timeout)",
                    isRetriable: true
                )
            }
            do {
                try await Task.sleep(for: .milliseconds(2))
            } catch {
                throw KafkaError(code: .shutdown, reason: "flush was cancelled")
            }
        }
    }

    /// The error for sending after the producer stopped: its fatal error, if that is why.
    private func stoppedError() -> KafkaError {
        client.fatalError() ?? KafkaError(code: .shutdown, reason: "the producer has stopped; messages can no longer be sent")
    }

    /// Hands one message to librdkafka, waiting while its queue is full.
    private func enqueue(_ message: KafkaOutgoingMessage, id: UInt64) async throws(KafkaError) {
        while true {
            let err = produce(message, id: id, topic: client.topicHandle(message.topic))
            if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                tracker.recordEnqueued(1)
                return
            }
            if err == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                tracker.recordQueueFullWait()
                do {
                    try await Task.sleep(for: .milliseconds(1))
                } catch {
                    tracker.complete([failedReport(message, id: id, code: .queueFull)])
                    throw KafkaError(code: .shutdown, reason: "sending was cancelled while the producer queue was full")
                }
                continue
            }
            logger.warning(
                "librdkafka refused a message",
                metadata: [KafkaLogKey.topic: "\(message.topic)", KafkaLogKey.error: "\(KafkaResponseCode(rawValue: err.rawValue))"]
            )
            tracker.complete([failedReport(message, id: id, code: KafkaResponseCode(rawValue: err.rawValue))])
            return
        }
    }

    private func failedReport(_ message: KafkaOutgoingMessage, id: UInt64, code: KafkaResponseCode) -> KafkaDeliveryReport {
        KafkaDeliveryReport(
            messageID: id,
            partition: message.partition ?? -1,
            offset: nil,
            error: code
        )
    }

    /// One `rd_kafka_produceva` call (through the shim). Returns librdkafka's error code.
    /// - Parameter topic: the topic's handle (``RDKafkaClient/topicHandle(_:)``), `nil` if librdkafka refused it.
    private func produce(_ message: KafkaOutgoingMessage, id: UInt64, topic: OpaquePointer?) -> rd_kafka_resp_err_t {
        var headers: OpaquePointer? = nil
        if !message.headers.isEmpty {
            let list = rd_kafka_headers_new(message.headers.count)!
            for header in message.headers {
                if let value = header.value {
                    value.withUnsafeBytes { bytes in
                        _ = rd_kafka_header_add(list, header.name, -1, bytes.baseAddress, bytes.count)
                    }
                } else {
                    _ = rd_kafka_header_add(list, header.name, -1, nil, 0)
                }
            }
            headers = list
        }
        let opaque = UnsafeMutableRawPointer(bitPattern: UInt(id))
        guard let topic else {
            if let headers { rd_kafka_headers_destroy(headers) }
            return RD_KAFKA_RESP_ERR__INVALID_ARG
        }
        let code: rd_kafka_resp_err_t = message.value.withUnsafeBytes { value in
            if let key = message.key {
                // An empty key is still a key (not NULL): lend a one-byte buffer and say its length is 0.
                let storage = key.isEmpty ? [UInt8(0)] : key
                return storage.withUnsafeBytes { keyBytes in
                    flywheel_produce(
                        client.handle, topic, message.partition ?? RD_KAFKA_PARTITION_UA,
                        keyBytes.baseAddress, key.count, value.baseAddress, value.count, headers, opaque
                    )
                }
            }
            return flywheel_produce(
                client.handle, topic, message.partition ?? RD_KAFKA_PARTITION_UA,
                nil, 0, value.baseAddress, value.count, headers, opaque
            )
        }
        // On failure the headers still belong to us (see shim.h).
        if code != RD_KAFKA_RESP_ERR_NO_ERROR, let headers { rd_kafka_headers_destroy(headers) }
        return code
    }
}

// MARK: - KafkaPendingBatch

/// A batch handed to librdkafka whose delivery reports are still to come (``KafkaProducer/enqueue(_:)``).
public struct KafkaPendingBatch: Sendable, Hashable {
    /// The id of its first message (the others follow in order).
    let firstID: UInt64
    /// How many messages it holds.
    public let count: Int
}
