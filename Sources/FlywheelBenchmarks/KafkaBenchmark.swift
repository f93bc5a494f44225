import ArgumentParser
import Foundation
import KafkaTransport
import Logging

// MARK: - KafkaBenchmark

/// `flywheel-bench kafka`: produce and consume throughput of Flywheel's Kafka clients against kcat, on the same
/// embedded broker, with the same messages, in the same run.
struct KafkaBenchmark: AsyncParsableCommand {
    /// Help text.
    static let configuration = CommandConfiguration(
        commandName: "kafka",
        abstract: "Produce/consume throughput of Flywheel's Kafka clients vs kcat on the embedded broker.",
        discussion: """
            Starts the embedded broker — by default as a `flywheel broker` process of its own, so that neither \
            client shares a process with it (--broker-in-process: inside this one) — then for each repetition: \
            Flywheel's producer and kcat -P each produce the keyed messages to a topic of their own (idempotent, \
            acks=all, linger 5 ms for both; the same two topics every repetition, so the broker's retention bounds its \
            memory), and Flywheel's consumer and kcat -C each read the same one of those topics from the beginning \
            (alternating which). Like each kcat run, each Flywheel run is a fresh process (`kafka-client`; \
            --client-in-process: inside this one), since this VM's speed differs from one process to the next. Each \
            side first waits for the cluster metadata, as kcat does; times are wall-clock from start to the last \
            delivery report (produce) or the last message received (consume); kcat's include its process start-up, a \
            few milliseconds, Flywheel's do not. Prints the medians and the ratio Flywheel ÷ kcat (higher is better \
            for Flywheel), and each side's CPU seconds.
            """
    )

    /// Messages per run.
    @Option(help: "Messages per run.")
    var messages = 200_000

    /// Value size in bytes.
    @Option(help: "Bytes per message value.")
    var size = 200

    /// Partitions per topic.
    @Option(help: "Partitions per topic (the embedded broker keeps at most ~5 MB per partition; stay well under).")
    var partitions: Int32 = 32

    /// Repetitions.
    @Option(help: "Repetitions; the median is reported (each takes well under a second).")
    var repetitions = 21

    /// Where the broker runs.
    @Flag(help: "Run the embedded broker inside this process (Flywheel's client then shares its process with it; kcat does not).")
    var brokerInProcess = false

    /// Where Flywheel's clients run.
    @Flag(help: "Run Flywheel's clients inside this process instead of a fresh process per run as kcat's.")
    var clientInProcess = false

    /// The flywheel executable for the broker process.
    @Option(help: ArgumentHelp("The flywheel executable that runs the broker. Default: the one beside this benchmark.", valueName: "path"))
    var flywheel: String?

    /// Path to kcat.
    @Option(help: "The kcat binary.")
    var kcat = "/usr/bin/kcat"

    /// Checks the flags.
    func validate() throws {
        guard messages > 0, size >= 16, repetitions > 0, partitions > 0 else {
            throw ValidationError("--messages, --repetitions and --partitions must be positive and --size at least 16.")
        }
        guard Int64(messages) * Int64(size) / Int64(partitions) < 2_000_000 else {
            throw ValidationError(
                "\(messages) × \(size) bytes over \(partitions) partitions exceeds the embedded broker's ~5 MB per "
                    + "partition; raise --partitions.")
        }
        guard FileManager.default.isExecutableFile(atPath: kcat) else {
            throw ValidationError("kcat not found at \(kcat); install it with `apt-get install -y kcat` or pass --kcat.")
        }
    }

    /// Runs the benchmark and prints the table.
    func run() async throws {
        var logger = Logger(label: "flywheel.bench")
        logger.logLevel = .error
        // Every repetition produces to the same two topics: the broker's retention (~5 MB per partition) then bounds
        // its memory, where a topic per repetition had it grow by ~100 MB a repetition and slow the later ones.
        let flywheelTopic = "bench-flywheel"
        let kcatTopic = "bench-kcat"
        let broker = brokerInProcess ? try EmbeddedBroker(logger: logger) : nil
        try broker?.createTopic(flywheelTopic, partitions: partitions)
        try broker?.createTopic(kcatTopic, partitions: partitions)
        let brokerProcess = brokerInProcess
            ? nil : try BrokerProcess(executable: flywheel, topics: [(flywheelTopic, partitions), (kcatTopic, partitions)])
        defer { brokerProcess?.stop() }
        let bootstrap = broker?.bootstrapServers ?? brokerProcess!.bootstrap
        let payloads = KafkaBenchmarkPayloads.make(messages: messages, size: size)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("flywheel-bench-\(getpid()).txt")
        let lines = payloads.map { String(decoding: $0.key, as: UTF8.self) + ":" + String(decoding: $0.value, as: UTF8.self) }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        print("Kafka throughput on the embedded broker (\(brokerInProcess ? "in this process" : "a process of its own")): "
              + "\(messages) messages × \(size) B, \(partitions) partitions, \(repetitions) repetitions (median)")
        let runner = KafkaBenchmarkRunner(bootstrap: bootstrap, kcat: kcat, partitions: partitions, logger: logger)
        let rows = try await measure(runner: runner, payloads: payloads, file: file, topics: (flywheelTopic, kcatTopic))
        printTable(rows)
    }

    /// Runs the repetitions; returns every measurement by row name ("flywheel produce", "kcat consume", …).
    private func measure(
        runner: KafkaBenchmarkRunner, payloads: [(key: [UInt8], value: [UInt8])], file: URL,
        topics: (flywheel: String, kcat: String)
    ) async throws -> [String: [KafkaMeasurement]] {
        let (flywheelTopic, kcatTopic) = topics
        var rows: [String: [KafkaMeasurement]] = [:]
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        func flywheelSide(_ direction: KafkaClientRun.Direction, topic: String) async throws -> KafkaMeasurement {
            if clientInProcess {
                return direction == .produce
                    ? try await runner.flywheelProduce(payloads, topic: topic)
                    : try await runner.flywheelConsume(topic: topic, count: messages)
            }
            return try runner.flywheelInChild(direction, executable: executable, topic: topic, messages: messages, size: size)
        }
        for repetition in 0..<repetitions {
            // Alternate who goes first, so neither always meets a warmer broker.
            let flywheelFirst = repetition % 2 == 0
            for side in flywheelFirst ? ["flywheel", "kcat"] : ["kcat", "flywheel"] {
                rows["\(side) produce", default: []].append(
                    side == "flywheel"
                        ? try await flywheelSide(.produce, topic: flywheelTopic)
                        : try runner.kcatProduce(file: file, topic: kcatTopic))
            }
            // Both consumers read the same topic (alternating the one produced by each side), so neither meets a
            // log laid out more favourably by its own producer.
            let readTopic = flywheelFirst ? kcatTopic : flywheelTopic
            for side in flywheelFirst ? ["kcat", "flywheel"] : ["flywheel", "kcat"] {
                rows["\(side) consume", default: []].append(
                    side == "flywheel"
                        ? try await flywheelSide(.consume, topic: readTopic)
                        : try runner.kcatConsume(topic: readTopic, count: messages))
            }
            FileHandle.standardError.write(Data("  repetition \(repetition + 1)/\(repetitions) done\n".utf8))
        }
        return rows
    }

    /// Prints the medians, the ratios against the goal, and every repetition.
    private func printTable(_ rows: [String: [KafkaMeasurement]]) {
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        print("")
        print("| direction | Flywheel msg/s | kcat msg/s | Flywheel ÷ kcat | goal | Flywheel CPU s | kcat CPU s |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for direction in ["produce", "consume"] {
            let ours = rows["flywheel \(direction)"]!
            let theirs = rows["kcat \(direction)"]!
            let ourRate = Double(messages) / median(ours.map(\.wall))
            let theirRate = Double(messages) / median(theirs.map(\.wall))
            let ratio = ourRate / theirRate
            print("| \(direction) | \(Int(ourRate)) | \(Int(theirRate)) | \(String(format: "%.2f", ratio))× | ≥ 0.90× \(ratio >= 0.9 ? "✓" : "✗") "
                  + "| \(String(format: "%.3f", median(ours.map(\.cpu)))) | \(String(format: "%.3f", median(theirs.map(\.cpu)))) |")
        }
        print("")
        print("CPU s: the median CPU time of one run, all threads of the measured process (in-process runs: this process, "
              + "with the broker when --broker-in-process); kcat's includes its start-up.")
        print("Per repetition (wall seconds): " + rows.keys.sorted().map {
            "\($0) \(rows[$0]!.map { String(format: "%.3f", $0.wall) }.joined(separator: "/"))"
        }.joined(separator: "; "))
    }
}
