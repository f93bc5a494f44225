import ArgumentParser
import Datasets
import FlywheelEvents
import Foundation
import Histogram
import KafkaTransport
import Logging
import OnlineLearning
import Synchronization

// MARK: - LoopClientRun

/// `flywheel-bench loop-client` (hidden): the outside client of one `flywheel-bench loop` measurement, in a process of
/// its own. In `loop` mode it produces requests (and each label `--label-delay` requests later) at a fixed rate, or
/// as fast as the loop answers, and times each request from the moment it is handed to its producer to the moment
/// its prediction is read back; in `echo` mode it produces the same requests to a plain topic and times them being
/// read back — what Kafka alone costs, through the same client. Prints one `result` line for the parent.
struct LoopClientRun: AsyncParsableCommand {
    /// Hidden from `--help`: the parent benchmark runs it.
    static let configuration = CommandConfiguration(
        commandName: "loop-client",
        abstract: "The outside client of one flywheel-bench loop measurement (run by it).",
        shouldDisplay: false
    )

    /// What to time.
    enum Mode: String, ExpressibleByArgument {
        case loop, echo
    }

    /// What to time.
    @Argument(help: "loop (requests → predictions) or echo (a topic → itself).")
    var mode: Mode

    /// The broker.
    @Option(help: "Bootstrap address.")
    var bootstrap: String

    /// Offered rate.
    @Option(help: "Requests per second; 0: as fast as the answers come (at most --in-flight unanswered).")
    var rate: Int

    /// How long to send.
    @Option(help: "Seconds to send for.")
    var seconds: Double

    /// Partitions of the topics read.
    @Option(help: "Partitions of the predictions (or echo) topic.")
    var partitions: Int32

    /// The stream whose features the requests carry.
    @Option(help: "Labelled stream (CSV) whose rows the requests and labels carry, cycled.")
    var data: String

    /// Its schema.
    @Option(help: "The stream's feature schema (JSON).")
    var schema: String

    /// Request-id prefix, unique per run.
    @Option(help: "Prefix of this run's request ids.")
    var run: String

    /// Label delay in requests.
    @Option(help: "Each label follows the request this many places later.")
    var labelDelay = 1000

    /// Most unanswered requests in the as-fast-as-it-goes mode.
    @Option(help: "At most this many requests unanswered when --rate is 0.")
    var inFlight = 5000

    /// Most requests sent and not yet learned in the as-fast-as-it-goes mode of the loop.
    @Option(help: ArgumentHelp(
        "In loop mode with --rate 0, also at most this many requests sent beyond the label delay that the trainer has "
            + "not learned (its group's committed examples, read every 20 ms), so the rate found is one the whole "
            + "loop sustains, learning included; 0: no bound (serving alone sets the pace)."))
    var unlearned = 0

    /// The consumer group prefix of the loop's roles (the trainer's group is `<prefix>-trainer`).
    @Option(help: "Consumer group prefix of the loop's roles (for --unlearned).")
    var groupPrefix = "bench"

    /// The consumer's fetch.wait.max.ms.
    @Option(help: "fetch.wait.max.ms of the client's consumer (the embedded broker waits it out).")
    var fetchWait = 1

    /// Stop after this many requests.
    @Option(help: "Stop sending after this many requests.")
    var limit: Int?

    /// The echo topic.
    @Option(help: "The topic echo mode writes and reads.")
    var echoTopic = "bench.echo"

    /// Runs the measurement and prints it.
    func run() async throws {
        var logger = Logger(label: "flywheel.bench.client")
        logger.logLevel = .error
        let featureSchema = try JSONDecoder().decode(FeatureSchema.self, from: Data(contentsOf: URL(fileURLWithPath: schema)))
        let rows = try CSVExamples.parse(
            String(decoding: try Data(contentsOf: URL(fileURLWithPath: data)), as: UTF8.self), schema: featureSchema,
            target: "target", task: .binary)
        guard !rows.isEmpty else { throw BenchmarkError("\(data) has no rows") }
        let topics = LoopTopics()
        let sendTopic = mode == .loop ? topics.requests : echoTopic
        let readTopic = mode == .loop ? topics.predictions : echoTopic

        var producerConfiguration = KafkaProducerConfiguration(client: .init(bootstrapServers: [bootstrap]))
        // A low-latency client: batches of what arrives within 1 ms (at 10,000/s about ten requests per produce request).
        producerConfiguration.linger = .milliseconds(1)
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        var consumerConfiguration = KafkaConsumerConfiguration(
            client: .init(bootstrapServers: [bootstrap]), groupID: "bench-client-\(run)")
        consumerConfiguration.isAutoCommitEnabled = false
        consumerConfiguration.readsHeaders = false
        consumerConfiguration.client.properties["fetch.wait.max.ms"] = String(fetchWait)
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        _ = try await consumer.metadata(timeout: .seconds(10))
        try await consumer.assign((0..<partitions).map {
            KafkaTopicPartitionOffset(topic: readTopic, partition: $0, offset: KafkaTopicPartitionOffset.end)
        })

        let clock = ContinuousClock()
        let plan = SendPlan(
            rate: rate, seconds: seconds, inFlight: inFlight, limit: limit,
            unlearned: mode == .loop && rate == 0 && unlearned > 0 ? labelDelay + unlearned : nil)
        let learned = LearnedCount()
        let learning = try plan.unlearned.map { _ in
            try LearningLag(bootstrap: bootstrap, groupPrefix: groupPrefix, partitions: partitions)
        }
        let timings = Timings(capacity: plan.capacity)
        let prefix = "\(run):"
        let result = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await producer.run() }
            group.addTask { try await consumer.run() }
            if let learning {
                group.addTask {
                    while !Task.isCancelled {
                        learned.value.store(Int(try await learning.learned()), ordering: .relaxed)
                        try await Task.sleep(for: .milliseconds(20))
                    }
                }
            }
            let reader = Task {
                for await batch in consumer.messages {
                    let now = clock.now
                    for message in batch {
                        guard let key = message.key, let index = Self.index(of: key, prefix: prefix) else { continue }
                        timings.answered(index, at: now)
                    }
                    if timings.isDone { break }
                }
            }
            let start = clock.now
            var sent = 0
            while sent < plan.capacity {
                let elapsed = (clock.now - start).seconds
                if elapsed >= seconds { break }
                let due = plan.due(after: elapsed, answered: timings.answeredCount, learned: learned.value.load(ordering: .relaxed))
                while sent < min(due, plan.capacity) {
                    let id = prefix + String(sent)
                    let row = rows[sent % rows.count]
                    let request = RequestEvent(id: id, ts: Date().timeIntervalSince1970, features: row.features)
                    timings.sending(sent, at: clock.now)
                    _ = try await producer.send(KafkaOutgoingMessage(topic: sendTopic, key: id, value: EventDecoding.encode(request)))
                    if mode == .loop, sent >= labelDelay {
                        let labelled = sent - labelDelay
                        let label = LabelEvent(id: prefix + String(labelled), ts: request.ts, label: rows[labelled % rows.count].target)
                        _ = try await producer.send(KafkaOutgoingMessage(topic: topics.labels, key: label.id, value: EventDecoding.encode(label)))
                    }
                    sent += 1
                }
                try await Task.sleep(for: .microseconds(500))
            }
            let sendingTook = (clock.now - start).seconds
            timings.finish(sent: sent)
            // The answers still on their way: up to 10 s.
            let deadline = clock.now + .seconds(10)
            while !timings.isDone, clock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            reader.cancel()
            consumer.requestStop()
            producer.requestStop()
            group.cancelAll()
            try? await group.waitForAll()
            return timings.summary(sent: sent, seconds: sendingTook)
        }
        print(result)
    }

    /// The request number in a key `<run>:<n>`, or nil for another run's.
    static func index(of key: [UInt8], prefix: String) -> Int? {
        let prefixBytes = Array(prefix.utf8)
        guard key.count > prefixBytes.count, key.starts(with: prefixBytes) else { return nil }
        var value = 0
        for byte in key[prefixBytes.count...] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}

// MARK: - LearnedCount

/// The examples the trainer has learned, as last read (shared by the reading task and the sending loop).
final class LearnedCount: Sendable {
    /// The count.
    let value = Atomic<Int>(0)
}

// MARK: - SendPlan

/// When requests are due: `rate` per second on a fixed schedule, or (rate 0) whenever fewer than `inFlight` wait
/// for their answers and, with `unlearned`, fewer than that many sent requests are not learned yet.
struct SendPlan {
    let rate: Int
    let seconds: Double
    let inFlight: Int
    let limit: Int?
    /// At most this many requests sent and not learned (rate 0), or no such bound.
    var unlearned: Int? = nil

    /// The most requests one run can send (sizes the timing table).
    var capacity: Int { limit ?? (rate > 0 ? Int((Double(rate) * seconds).rounded(.up)) + 1 : 2_000_000) }

    /// How many requests should have been sent `elapsed` seconds in, with `answered` answered.
    func due(after elapsed: Double, answered: Int, learned: Int = 0) -> Int {
        rate > 0 ? Int(Double(rate) * elapsed) + 1 : min(answered + inFlight, unlearned.map { learned + $0 } ?? .max)
    }
}

// MARK: - Timings

/// Send and answer times of one run's requests, shared by the sending loop and the reader. The latency of a request
/// is answer − send, recorded in an HdrHistogram (microseconds, 3 significant digits); only requests sent after the
/// first 10% of the run count (the clients' warm-up).
final class Timings: @unchecked Sendable {
    private let lock = NSLock()
    private var sentAt: [ContinuousClock.Instant?]
    private var latencies: [UInt64?]
    private var answered = 0
    private var duplicates = 0
    private var total: Int?
    private var firstAnswer: ContinuousClock.Instant?
    private var lastAnswer: ContinuousClock.Instant?

    init(capacity: Int) {
        sentAt = Array(repeating: nil, count: capacity)
        latencies = Array(repeating: nil, count: capacity)
    }

    /// Request `index` is handed to the producer now.
    func sending(_ index: Int, at instant: ContinuousClock.Instant) {
        lock.withLock { sentAt[index] = instant }
    }

    /// Request `index`'s answer was read at `instant`.
    func answered(_ index: Int, at instant: ContinuousClock.Instant) {
        lock.withLock {
            guard index < sentAt.count, let sent = sentAt[index] else { return }
            guard latencies[index] == nil else { duplicates += 1; return }
            latencies[index] = UInt64(max(0, (instant - sent).seconds * 1e6))
            answered += 1
            if firstAnswer == nil { firstAnswer = instant }
            lastAnswer = instant
        }
    }

    /// Answers read so far.
    var answeredCount: Int { lock.withLock { answered } }

    /// Sending is over after `sent` requests.
    func finish(sent: Int) {
        lock.withLock { total = sent }
    }

    /// Every sent request has its answer.
    var isDone: Bool { lock.withLock { total.map { answered >= $0 } ?? false } }

    /// The `result` line: counts, the answer rate over the run, and latency percentiles in microseconds.
    func summary(sent: Int, seconds: Double) -> String {
        lock.withLock {
            let span = max(seconds, (lastAnswer.flatMap { last in firstAnswer.map { (last - $0).seconds } }) ?? seconds)
            var histogram = Histogram<UInt64>(highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three)
            for index in (sent / 10)..<sent {
                if let micros = latencies[index] { histogram.record(min(micros, 120_000_000)) }
            }
            let values = [50.0, 99.0, 99.9].map { histogram.valueAtPercentile($0) }
            return "result sent=\(sent) answered=\(answered) duplicates=\(duplicates) seconds=\(span)"
                + " p50=\(values[0]) p99=\(values[1]) p999=\(values[2]) max=\(histogram.max) measured=\(histogram.totalCount)"
        }
    }
}
