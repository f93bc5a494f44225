import FlywheelEvents
import Foundation
import KafkaTransport
import Logging

// MARK: - LearningLag

/// How far the learning side is behind after a measurement: the joined examples on `flywheel.examples` that the
/// trainer's group has not committed yet. The trainer commits after saving each published version, so a trainer
/// that keeps up is at most a few hundred examples behind.
struct LearningLag: Sendable {
    private let consumer: KafkaConsumer
    private let partitions: [Int32]
    private let topic = LoopTopics().examples

    /// Reads the `<prefix>-trainer` group's positions on the broker at `bootstrap`.
    init(bootstrap: String, groupPrefix: String, partitions: Int32) throws {
        var logger = Logger(label: "flywheel.bench.lag")
        logger.logLevel = .error
        var configuration = KafkaConsumerConfiguration(
            client: .init(bootstrapServers: [bootstrap]), groupID: "\(groupPrefix)-trainer")
        configuration.isAutoCommitEnabled = false
        consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        self.partitions = Array(0..<partitions)
    }

    /// Examples produced so far, and how many of them the trainer has not committed.
    func examples() async throws -> (produced: Int64, behind: Int64) {
        let ends = try await consumer.watermarks(topic: topic, partitions: partitions)
        let committed = try await committedOffsets()
        var produced: Int64 = 0, behind: Int64 = 0
        for partition in partitions {
            let end = ends[partition]?.high ?? 0
            let done = max(0, committed[KafkaTopicPartition(topic: topic, partition: partition)] ?? 0)
            produced += end
            behind += max(0, end - done)
        }
        return (produced, behind)
    }

    /// Examples the trainer's group has committed (learned and saved), over every partition.
    func learned() async throws -> Int64 {
        try await committedOffsets().values.reduce(0) { $0 + max(0, $1) }
    }

    /// The trainer group's committed offset of each examples partition (negative: none yet).
    private func committedOffsets() async throws -> [KafkaTopicPartition: Int64] {
        try await consumer.committedOffsets(for: partitions.map { KafkaTopicPartition(topic: topic, partition: $0) })
    }

    /// How long a measurement waits for the trainer to catch up before it gives up (records were lost).
    static let catchUpLimit: Double = 120

    /// Seconds until at least `expected` examples are on the topic (the feedback role has joined them) and the
    /// trainer is within `slack` examples of the end, up to `limit` seconds.
    /// Returns `limit` when that never happens (records lost — the broker dropped what a lagging role had not read —
    /// or a role stopped); the table then shows the learned rate as a lower bound.
    func secondsToCatchUp(expected: Int64, slack: Int64 = 2_000, limit: Double = catchUpLimit) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        while (clock.now - start).seconds < limit {
            let now = try await examples()
            if now.produced >= expected, now.behind <= slack { return (clock.now - start).seconds }
            try await Task.sleep(for: .milliseconds(250))
        }
        return limit
    }
}
