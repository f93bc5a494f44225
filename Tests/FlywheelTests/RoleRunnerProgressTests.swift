import Flywheel
import FlywheelEvents
import Foundation
import KafkaTransport
import ServiceLifecycle
import Synchronization
import Testing

/// A role's progress (what a replay paces on and progress lines print) is read without waiting for the batch being
/// handled: a reader that took the core's lock would hold one of the concurrency pool's threads for the whole batch.
@Suite("Role runner: progress")
struct RoleRunnerProgressTests {
    /// Set while the test role is inside the batch with the request `slow`, and when that batch may finish.
    static let inside = Atomic<Bool>(false)
    static let release = Atomic<Bool>(false)

    /// Counts requests; the request `slow` keeps its batch in `handle` until released (at most 10 s).
    struct SlowRole: StreamRole {
        var handled = 0
        var progress: Int { handled }

        static func decode(topic: String, value: [UInt8], topics: LoopTopics) throws(EventDecodingError) -> RequestEvent {
            try EventDecoding.decode(RequestEvent.self, from: value)
        }

        mutating func handle(_ batch: [Consumed<RequestEvent>], at time: BatchTime<ContinuousClock.Instant>) -> [Publication] {
            for consumed in batch {
                if consumed.input.id == "slow" {
                    RoleRunnerProgressTests.inside.store(true, ordering: .sequentiallyConsistent)
                    let deadline = Date().addingTimeInterval(10)
                    while !RoleRunnerProgressTests.release.load(ordering: .sequentiallyConsistent), Date() < deadline {
                        usleep(1_000)
                    }
                    RoleRunnerProgressTests.inside.store(false, ordering: .sequentiallyConsistent)
                }
                handled += 1
            }
            return []
        }
    }

    @Test func progressIsReadWhileABatchIsBeingHandled() async throws {
        let logger = InferenceEngineTests.logger
        let broker = try EmbeddedBroker(logger: logger)
        let suffix = UInt32.random(in: 0...UInt32.max)
        var configuration = RoleConfiguration()
        configuration.topics = LoopTopics().prefixed("progress-\(suffix)-")
        let topics = configuration.topics
        for topic in [topics.requests, topics.deadLetter] { try broker.createTopic(topic, partitions: 1) }
        let client = KafkaClientConfiguration(bootstrapServers: [broker.bootstrapServers])
        func requests(_ ids: [String]) -> [KafkaOutgoingMessage] {
            ids.map { KafkaOutgoingMessage(
                topic: topics.requests, key: $0, value: EventDecoding.encode(RequestEvent(id: $0, ts: 1, features: [:]))) }
        }
        let producer = try KafkaProducer(configuration: .init(client: client), logger: logger)
        let consumer = try KafkaConsumer(configuration: .init(client: client, groupID: "progress-\(suffix)"), logger: logger)
        try await consumer.assign([.init(topic: topics.requests, partition: 0, offset: KafkaTopicPartitionOffset.beginning)])
        let runner = RoleRunner(
            core: SlowRole(), consumer: consumer, producer: producer, configuration: configuration,
            clock: ContinuousClock(), logger: logger)
        #expect(runner.progress == 0)

        // Read from a thread of its own, so the reading does not depend on a free thread of the concurrency pool.
        let seen = Mutex<(progress: Int, whileInside: Bool)?>(nil)
        let reader = Thread {
            let deadline = Date().addingTimeInterval(60)
            while !Self.inside.load(ordering: .sequentiallyConsistent), Date() < deadline { usleep(1_000) }
            let progress = runner.progress
            seen.withLock { $0 = (progress, Self.inside.load(ordering: .sequentiallyConsistent)) }
            Self.release.store(true, ordering: .sequentiallyConsistent)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in [producer, consumer] as [any Service] { group.addTask { try await service.run() } }
            group.addTask { try await runner.run() }
            #expect(try await producer.deliver(requests(["a", "b"])).allSatisfy(\.isDelivered))
            let deadline = ContinuousClock.now.advanced(by: .seconds(60))
            while runner.progress < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            reader.start()
            #expect(try await producer.deliver(requests(["slow"])).allSatisfy(\.isDelivered))
            while runner.progress < 3, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            group.cancelAll()
            try? await group.waitForAll()
        }
        let reading = try #require(seen.withLock { $0 })
        #expect(reading.whileInside, "the read returned while the batch was still being handled")
        #expect(reading.progress == 2, "it shows the batches handled before")
        #expect(runner.progress == 3)
        withExtendedLifetime(broker) {}
    }
}
