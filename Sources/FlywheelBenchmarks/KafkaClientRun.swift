import ArgumentParser
import Foundation
import Logging

// MARK: - KafkaClientRun

/// `flywheel-bench kafka-client` (hidden): one Flywheel side of one `flywheel-bench kafka` repetition, in a process of
/// its own, as each kcat run is. Prints `measurement <wall seconds> <CPU seconds>` for the parent to read.
///
/// Why a process per repetition: this VM's speed differs between processes (one process runs the same work ~1.4×
/// slower than the next, steadily for its whole life), so a client measured inside the long-lived benchmark process
/// met one draw of that for every repetition while kcat met a fresh draw each time.
struct KafkaClientRun: AsyncParsableCommand {
    /// Hidden from `--help`: the parent benchmark runs it.
    static let configuration = CommandConfiguration(
        commandName: "kafka-client",
        abstract: "One Flywheel side of one flywheel-bench kafka repetition (run by it).",
        shouldDisplay: false
    )

    /// What to measure.
    enum Direction: String, ExpressibleByArgument {
        case produce, consume
    }

    /// What to measure.
    @Argument(help: "produce or consume.")
    var direction: Direction

    /// The broker.
    @Option(help: "Bootstrap address.")
    var bootstrap: String

    /// The topic.
    @Option(help: "Topic to produce to or read from the beginning.")
    var topic: String

    /// Messages.
    @Option(help: "Messages to produce or read.")
    var messages: Int

    /// Value size.
    @Option(help: "Bytes per message value.")
    var size: Int

    /// Partitions of the topic.
    @Option(help: "Partitions of the topic.")
    var partitions: Int32

    /// Runs the measurement and prints it.
    func run() async throws {
        var logger = Logger(label: "flywheel.bench")
        logger.logLevel = .error
        let runner = KafkaBenchmarkRunner(bootstrap: bootstrap, kcat: "", partitions: partitions, logger: logger)
        let measurement = switch direction {
        case .produce: try await runner.flywheelProduce(KafkaBenchmarkPayloads.make(messages: messages, size: size), topic: topic)
        case .consume: try await runner.flywheelConsume(topic: topic, count: messages)
        }
        print("measurement \(measurement.wall) \(measurement.cpu)")
    }
}

// MARK: - KafkaBenchmarkPayloads

/// The benchmark's messages: key `k<i>`, value `msg-<i, 9 digits>-` padded with `x` to the value size.
enum KafkaBenchmarkPayloads {
    /// Makes `messages` keyed payloads of `size`-byte values. Keyed, so the partitioner spreads them evenly (unkeyed
    /// batches stick to one partition for a while and can overflow the embedded broker's per-partition retention,
    /// which silently drops the oldest data).
    static func make(messages: Int, size: Int) -> [(key: [UInt8], value: [UInt8])] {
        // Written byte by byte: String(format:) took ~0.4 s for 200,000 values, in every client process.
        let prefix = Array("msg-".utf8)
        return (0..<messages).map { index in
            var value = [UInt8](repeating: UInt8(ascii: "x"), count: size)
            value.replaceSubrange(0..<prefix.count, with: prefix)
            var rest = index
            for position in stride(from: prefix.count + 8, through: prefix.count, by: -1) {
                value[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            value[prefix.count + 9] = UInt8(ascii: "-")
            return (Array("k\(index)".utf8), value)
        }
    }
}
