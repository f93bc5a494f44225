import FlywheelEvents
import Foundation
import KafkaTransport
import Logging
import OnlineLearning
import ServiceLifecycle
import Synchronization

// MARK: - StreamReplayer

/// Plays a labelled stream into Kafka as a live service would see it: request `i` on the requests topic (id
/// `"<stream>:<i>"`, keyed by id, `ts = t0 + i / rate`), and its label on the labels topic right after request
/// `i + labelDelay` — the format and timing of ../shared/data/README.md's `make_events.py`.
///
/// It stays at most ``Configuration/maximumLead`` requests ahead of what the inference engine has served (read
/// through `served`), and its labels at most as far ahead of what the trainer has learned (read through `learned`),
/// so a model's real label delay is the configured one, not the length of a Kafka backlog — when serving is faster
/// than learning, the models served would otherwise be older the faster the replay (at 10,000 requests/s with a
/// trainer behind, every model's accuracy on sea fell by 3–4 points). The replay runs at the loop's sustained rate,
/// learning included.
public final class StreamReplayer: Service, Sendable {
    /// Topics, delay, pacing.
    public struct Configuration: Sendable {
        /// Where requests and labels go (`topics.requests`, `topics.labels`). Default: `LoopTopics()`.
        public var topics = LoopTopics()
        /// The label of request `i` follows request `i + labelDelay`. Default: 1,000.
        public var labelDelay = 1000
        /// How far ahead of the served count requests may run. Default: 500.
        public var maximumLead = 500
        /// How many of the labels sent the trainer may not have learned yet when the next chunk of requests goes out;
        /// at least 1 (with none the replay would wait for a label it has not sent). Default: 50.
        public var maximumLearningLag = 50
        /// Requests per send. Default: 50.
        public var chunk = 50
        /// The stream's name, the prefix of request ids. Default: `stream`.
        public var streamName = "stream"
        /// Event time of request 0, seconds since 1970, and requests per second of event time.
        public var startTs = 1_700_000_000.0
        /// Requests per second of event time (timestamps only; replay runs as fast as serving allows). Default: 1,000.
        public var rate = 1000.0

        /// The defaults above.
        public init() {}
    }

    private let producer: KafkaProducer
    private let examples: [PrequentialEvaluation.Example]
    private let configuration: Configuration
    private let served: @Sendable () -> Int
    private let learned: @Sendable () -> Int
    private let logger: Logger
    private let sent = Atomic<Int>(0)

    /// Makes a replayer of `examples`; `served` reports how many requests the inference engine has answered,
    /// `learned` how many joined examples the trainer has learned.
    public init(
        producer: KafkaProducer, examples: [PrequentialEvaluation.Example], configuration: Configuration,
        served: @escaping @Sendable () -> Int, learned: @escaping @Sendable () -> Int = { Int.max }, logger: Logger
    ) {
        precondition(configuration.labelDelay >= 0 && configuration.maximumLead > 0 && configuration.chunk > 0
                     && configuration.maximumLearningLag > 0)
        self.producer = producer
        self.examples = examples
        self.configuration = configuration
        self.served = served
        self.learned = learned
        self.logger = logger
    }

    /// Requests sent so far.
    public var requestsSent: Int { sent.load(ordering: .relaxed) }

    /// The id of request `index`.
    public func requestID(_ index: Int) -> String { "\(configuration.streamName):\(index)" }

    /// Sends every request and label, then returns; on graceful shutdown or cancellation it stops where it is.
    /// - Throws: ``KafkaTransport/KafkaError`` when a send fails after the producer's own retries.
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await self.replay() }
        } catch is CancellationError {
            logger.notice("Replay stopped", metadata: ["flywheel.requests.sent": "\(requestsSent)"])
        }
    }

    private func replay() async throws {
        var index = 0
        while index < examples.count {
            try Task.checkCancellation()
            // Pacing: stay within the lead of what has been served, and the labels within it of what has been learned.
            while index - served() >= configuration.maximumLead
                || index - configuration.labelDelay - configuration.maximumLearningLag >= learned()
            {
                try await Task.sleep(for: .milliseconds(1))
            }
            let end = min(examples.count, index + configuration.chunk, served() + configuration.maximumLead)
            var outgoing: [KafkaOutgoingMessage] = []
            outgoing.reserveCapacity(2 * (end - index))
            for request in index..<end {
                outgoing.append(requestMessage(request))
                let labelled = request - configuration.labelDelay
                if labelled >= 0 { outgoing.append(labelMessage(labelled, after: request)) }
            }
            try await send(outgoing)
            index = end
            sent.store(index, ordering: .relaxed)
        }
        // The labels still owed at the end of the stream.
        let first = max(0, examples.count - configuration.labelDelay)
        var outgoing: [KafkaOutgoingMessage] = []
        for labelled in first..<examples.count {
            outgoing.append(labelMessage(labelled, after: labelled + configuration.labelDelay))
        }
        try await send(outgoing)
    }

    private func send(_ messages: [KafkaOutgoingMessage]) async throws {
        guard !messages.isEmpty else { return }
        let reports = try await producer.deliver(messages)
        if let failed = reports.first(where: { !$0.isDelivered }) {
            throw KafkaError(
                code: .message, reason: "the replayer could not deliver an event: \(String(describing: failed.error))",
                isRetriable: true)
        }
    }

    private func requestMessage(_ index: Int) -> KafkaOutgoingMessage {
        let id = requestID(index)
        let request = RequestEvent(id: id, ts: timestamp(index), features: examples[index].features)
        return KafkaOutgoingMessage(topic: configuration.topics.requests, key: id, value: EventDecoding.encode(request))
    }

    private func labelMessage(_ index: Int, after request: Int) -> KafkaOutgoingMessage {
        let id = requestID(index)
        let label = LabelEvent(id: id, ts: timestamp(request) + 0.0005, label: examples[index].target)
        return KafkaOutgoingMessage(topic: configuration.topics.labels, key: id, value: EventDecoding.encode(label))
    }

    private func timestamp(_ index: Int) -> Double { configuration.startTs + Double(index) / configuration.rate }
}
