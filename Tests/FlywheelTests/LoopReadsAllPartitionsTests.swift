import Flywheel
import FlywheelEvents
import Foundation
import KafkaTransport
import ServiceLifecycle
import Testing

/// `LoopSettings.readsAllPartitions` (what `flywheel demo` uses): every role's consumer holds all its partitions from
/// the start, without a group join, serves, joins and learns as the group-managed loop does, and commits to its group
/// so a restarted loop resumes where the last one stopped.
@Suite("A loop that reads all its partitions itself")
struct LoopReadsAllPartitionsTests {
    @Test func everyRoleHoldsItsPartitionsAtOnceAndARestartResumesFromTheCommits() async throws {
        let (broker, base) = try LoopHarness.cluster(partitions: 4)
        var settings = base
        settings.readsAllPartitions = true
        let initial = try InitialModels.make(schema: LoopHarness.seaSchema)

        let first = try await FlywheelLoop(settings: settings, initial: initial, logger: LoopHarness.logger)
        // Subscribed consumers hold nothing until their group has formed (3 s on the embedded broker); assigned ones
        // hold every partition of their topics before anything runs.
        #expect(try #require(first.engine).assignedPartitions == 4)
        #expect(try #require(first.joiner).assignedPartitions == 8, "predictions and labels")
        #expect(try #require(first.trainer).assignedPartitions == 12, "examples, drift and models")
        #expect(try #require(first.promoter).assignedPartitions == 8, "examples and models")

        let stream = Array(LoopHarness.sea.prefix(2_000))
        let tally = try await LoopHarness.replay(stream, into: first, settings: settings, name: "a", labelDelay: 200)
        #expect(tally.distinct == stream.count)
        #expect(tally.total == stream.count, "every request answered once")
        #expect(try #require(first.joiner).counters.joined == stream.count)
        #expect(try #require(first.trainer).learning.examplesLearned == stream.count)

        // A second process, inference only: it must start at the first one's commits, not at the beginning.
        settings.roles = [.inference]
        let more = (0..<500).map { index in
            KafkaOutgoingMessage(
                topic: settings.topics.requests, key: "b:\(index)",
                value: EventDecoding.encode(RequestEvent(id: "b:\(index)", ts: Double(index), features: stream[index].features)))
        }
        let second = try await FlywheelLoop(settings: settings, initial: initial, logger: LoopHarness.logger)
        let engine = try #require(second.engine)
        let reader = try await LoopHarness.predictionReader(settings)
        let everything = PredictionTally()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in second.services + [reader] as [any Service] { group.addTask { try await service.run() } }
            group.addTask { for await batch in reader.messages { everything.add(batch) } }
            #expect(try await second.producer.deliver(more).allSatisfy(\.isDelivered))
            let deadline = ContinuousClock.now.advanced(by: .seconds(60))
            while everything.distinct < stream.count + more.count, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            // Long enough for a re-read of the first run's requests to show.
            try await Task.sleep(for: .milliseconds(500))
            group.cancelAll()
            try? await group.waitForAll()
        }
        #expect(engine.requestsServed == more.count, "the restart served only the new requests")
        #expect(everything.distinct == stream.count + more.count)
        #expect(everything.total == stream.count + more.count, "no request answered twice across the restart")
        withExtendedLifetime(broker) {}
    }
}
