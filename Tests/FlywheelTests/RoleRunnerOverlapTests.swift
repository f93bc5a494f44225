import Flywheel
import FlywheelEvents
import Foundation
import KafkaTransport
import ServiceLifecycle
import Synchronization
import Testing

/// A role that keeps nothing across restarts (inference) handles its next batch while the last one's outputs are
/// still on their way to the broker; every other role handles one batch at a time. Either way every output is
/// delivered, in order, and the offsets stored cover every record.
@Suite("Role runner: overlapping deliveries")
struct RoleRunnerOverlapTests {
    /// What the runner called, in order: `handled(k)` when the k-th batch was handled, `delivered(k)` when the k-th
    /// `batchDelivered` came.
    enum Call: Equatable { case handled(Int), delivered(Int) }

    /// The calls the test role saw.
    final class CallLog: Sendable {
        private let calls = Mutex<[Call]>([])
        func append(_ call: Call) { calls.withLock { $0.append(call) } }
        var all: [Call] { calls.withLock { $0 } }
    }

    protocol Mode: Sendable { static var overlaps: Bool { get } }
    enum Overlapping: Mode { static var overlaps: Bool { true } }
    enum OneAtATime: Mode { static var overlaps: Bool { false } }

    /// Answers each request with a prediction and logs each handled batch and each `batchDelivered`.
    struct EchoRole<M: Mode>: StreamRole {
        let log: CallLog
        var handledBatches = 0
        var deliveredBatches = 0

        static var overlapsDelivery: Bool { M.overlaps }

        static func decode(topic: String, value: [UInt8], topics: LoopTopics) throws(EventDecodingError) -> RequestEvent {
            try EventDecoding.decode(RequestEvent.self, from: value)
        }

        mutating func handle(_ batch: [Consumed<RequestEvent>], at time: BatchTime<ContinuousClock.Instant>) -> [Publication] {
            handledBatches += 1
            log.append(.handled(handledBatches))
            return batch.map { consumed in
                .prediction(PredictionEvent(
                    requestId: consumed.input.id, ts: consumed.input.ts, features: consumed.input.features,
                    champion: ModelOutput(model: ModelReference(id: "m", version: 1), answer: 1, probabilities: [0, 1]),
                    shadows: []))
            }
        }

        mutating func batchDelivered(at time: BatchTime<ContinuousClock.Instant>) throws -> OffsetRelease {
            deliveredBatches += 1
            log.append(.delivered(deliveredBatches))
            return .release
        }
    }

    /// Runs `EchoRole<M>` over 400 requests written in 80 separate produce requests (so the runner reads many
    /// batches), reads every prediction back and returns them, the calls, and the group's committed offset.
    func run<M: Mode>(_ mode: M.Type) async throws -> (predictions: [String], calls: [Call], committed: Int64?) {
        let logger = InferenceEngineTests.logger
        let broker = try EmbeddedBroker(logger: logger)
        let suffix = UInt32.random(in: 0...UInt32.max)
        var configuration = RoleConfiguration()
        configuration.topics = LoopTopics().prefixed("overlap-\(suffix)-")
        let topics = configuration.topics
        for topic in [topics.requests, topics.predictions, topics.deadLetter] { try broker.createTopic(topic, partitions: 1) }
        let client = KafkaClientConfiguration(bootstrapServers: [broker.bootstrapServers])
        let ids = (0..<400).map { "r\($0)" }
        let seeder = try KafkaProducer(configuration: .init(client: client), logger: logger)
        let producer = try KafkaProducer(configuration: .init(client: client), logger: logger)
        let group = "overlap-\(suffix)"
        let consumer = try KafkaConsumer(configuration: .init(client: client, groupID: group), logger: logger)
        let requests = KafkaTopicPartition(topic: topics.requests, partition: 0)
        try await consumer.assign([.init(topic: topics.requests, partition: 0, offset: KafkaTopicPartitionOffset.beginning)])
        let reader = try KafkaConsumer(configuration: .init(client: client, groupID: "reader-\(suffix)"), logger: logger)
        try await reader.assign([.init(topic: topics.predictions, partition: 0, offset: KafkaTopicPartitionOffset.beginning)])
        let log = CallLog()
        let runner = RoleRunner(
            core: EchoRole<M>(log: log), consumer: consumer, producer: producer, configuration: configuration,
            clock: ContinuousClock(), logger: logger)

        var predictions: [String] = []
        var committed: Int64?
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for service in [seeder, producer, consumer, reader] as [any Service] { tasks.addTask { try await service.run() } }
            for start in stride(from: 0, to: ids.count, by: 5) {
                let messages = ids[start..<start + 5].map { id in
                    KafkaOutgoingMessage(
                        topic: topics.requests, key: id,
                        value: EventDecoding.encode(RequestEvent(id: id, ts: 1, features: ["x": .number(1)])))
                }
                #expect(try await seeder.deliver(messages).allSatisfy(\.isDelivered))
            }
            tasks.addTask { try await runner.run() }
            let deadline = ContinuousClock.now.advanced(by: .seconds(60))
            for await batch in reader.messages {
                for message in batch {
                    predictions.append(try EventDecoding.decode(PredictionEvent.self, from: message.value).requestId)
                }
                if predictions.count >= ids.count || ContinuousClock.now > deadline { break }
            }
            // The last batch's offsets are stored once its delivery is confirmed: commit until they are there.
            while ContinuousClock.now < deadline {
                try await consumer.commit()
                committed = try await consumer.committedOffsets(for: [requests])[requests]
                if committed == Int64(ids.count) { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            tasks.cancelAll()
            try? await tasks.waitForAll()
        }
        return (predictions, log.all, committed)
    }

    /// Whether some batch was handled before the one before it was delivered.
    static func overlapped(_ calls: [Call]) -> Bool {
        var delivered = 0
        for call in calls {
            switch call {
            case .delivered(let k): delivered = k
            case .handled(let k): if k >= 2 && delivered < k - 1 { return true }
            }
        }
        return false
    }

    @Test func aStatelessRoleHandlesTheNextBatchWhileTheLastIsDelivered() async throws {
        let (predictions, calls, committed) = try await run(Overlapping.self)
        #expect(predictions == (0..<400).map { "r\($0)" }, "every request answered once, in order")
        let handled = calls.filter { if case .handled = $0 { true } else { false } }.count
        #expect(handled >= 10, "the 80 produce requests were read in \(handled) batches")
        #expect(Self.overlapped(calls), "no batch was handled before the one before it was delivered: \(calls.prefix(40))")
        #expect(committed == 400, "the offsets stored cover every request")
    }

    @Test func otherRolesHandleOneBatchAtATime() async throws {
        let (predictions, calls, committed) = try await run(OneAtATime.self)
        #expect(predictions == (0..<400).map { "r\($0)" })
        let handled = calls.filter { if case .handled = $0 { true } else { false } }.count
        #expect(handled >= 10, "the 80 produce requests were read in \(handled) batches")
        #expect(!Self.overlapped(calls), "a batch was handled before the one before it was delivered")
        #expect(committed == 400)
    }
}
