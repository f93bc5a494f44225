import Foundation
import KafkaTransport
import Logging
import ServiceLifecycle
import Synchronization

/// A logger for tests: warnings and worse to stderr, so librdkafka trouble shows up in the test log.
func makeTestLogger(_ label: String = "test") -> Logger {
    var logger = Logger(label: label, factory: { StreamLogHandler.standardError(label: $0) })
    logger.logLevel = .warning
    return logger
}

/// A topic or group name no other test uses.
func uniqueName(_ prefix: String) -> String {
    "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
}

/// Runs `services` (producer, consumers) while `body` runs, then cancels them and waits for them to drain.
func withRunning<T: Sendable>(
    _ services: [any Service],
    body: () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for service in services {
            group.addTask { try await service.run() }
        }
        do {
            let result = try await body()
            group.cancelAll()
            try await group.waitForAll()
            return result
        } catch {
            group.cancelAll()
            try? await group.waitForAll()
            throw error
        }
    }
}

/// Consumer settings that let the embedded broker form groups quickly (see ../shared/PLATFORM-NOTES.md: below
/// 3000 ms the group never forms; the second member waits `session.timeout.ms` − 1 s).
func fastGroupConsumer(bootstrap: String, group: String) -> KafkaConsumerConfiguration {
    var configuration = KafkaConsumerConfiguration(client: .init(bootstrapServers: [bootstrap]), groupID: group)
    configuration.sessionTimeout = .seconds(4)
    configuration.heartbeatInterval = .seconds(1)
    configuration.autoCommitInterval = .milliseconds(100)
    return configuration
}

/// A producer configuration for the embedded broker with a short linger.
func testProducer(bootstrap: String) -> KafkaProducerConfiguration {
    var configuration = KafkaProducerConfiguration(client: .init(bootstrapServers: [bootstrap]))
    configuration.linger = .milliseconds(2)
    configuration.flushTimeout = .seconds(10)
    return configuration
}

/// Fails the test with a message if `deadline` passes; used to bound loops that wait for messages.
struct Deadline {
    let end: ContinuousClock.Instant

    init(_ duration: Duration) { end = ContinuousClock.now.advanced(by: duration) }

    var hasPassed: Bool { ContinuousClock.now >= end }
}

/// Thread-safe collection of what consumers received, keyed by value.
final class ReceivedLog: Sendable {
    private struct State {
        var count = 0
        var unique: Set<String> = []
        var perConsumer: [Int: Int] = [:]
        var partitions: [Int32: [(offset: Int64, value: String)]] = [:]
    }

    private let state = Mutex(State())

    func record(_ messages: [KafkaConsumerMessage], consumer: Int) {
        state.withLock { state in
            for message in messages {
                let value = String(decoding: message.value, as: UTF8.self)
                state.count += 1
                state.unique.insert(value)
                state.partitions[message.partition, default: []].append((message.offset, value))
            }
            state.perConsumer[consumer, default: 0] += messages.count
        }
    }

    /// Per partition, every (offset, value) received, in arrival order.
    var partitions: [Int32: [(offset: Int64, value: String)]] { state.withLock { $0.partitions } }

    var total: Int { state.withLock { $0.count } }
    var uniqueCount: Int { state.withLock { $0.unique.count } }
    var perConsumer: [Int: Int] { state.withLock { $0.perConsumer } }
}

/// An integer several tasks read and write.
final class SharedInt: Sendable {
    private let storage: Atomic<Int>
    init(_ value: Int = 0) { storage = Atomic(value) }
    var value: Int {
        get { storage.load(ordering: .acquiring) }
    }
    func set(_ value: Int) { storage.store(value, ordering: .releasing) }
    func add(_ delta: Int) { storage.add(delta, ordering: .acquiringAndReleasing) }
}

/// A flag several tasks read and write.
final class SharedFlag: Sendable {
    private let storage = Atomic<Bool>(false)
    var isSet: Bool { storage.load(ordering: .acquiring) }
    func set() { storage.store(true, ordering: .releasing) }
}

/// A logger that drops everything, for tests that provoke errors on purpose.
func makeSilentLogger() -> Logger {
    Logger(label: "silent", factory: { _ in SwiftLogNoOpLogHandler() })
}
