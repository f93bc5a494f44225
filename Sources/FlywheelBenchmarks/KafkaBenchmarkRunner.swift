import Foundation
import KafkaTransport
import Logging

// MARK: - KafkaBenchmarkRunner

/// Wall-clock and CPU seconds of one side of one Kafka measurement.
struct KafkaMeasurement {
    /// Seconds from start to the last delivery report or message.
    let wall: Double
    /// CPU seconds spent by the measured client meanwhile: its process's, all threads (for kcat, start-up included).
    let cpu: Double
}

/// Runs one side of one Kafka measurement.
struct KafkaBenchmarkRunner {
    /// The broker's bootstrap address.
    let bootstrap: String
    /// Path to kcat.
    let kcat: String
    /// Partitions per topic.
    let partitions: Int32
    /// Logger for the clients (errors only).
    let logger: Logger

    /// Flywheel's producer with its default configuration (idempotent, linger 5 ms, at most 100,000 messages queued):
    /// sends every payload and waits for the last delivery report.
    func flywheelProduce(_ payloads: [(key: [UInt8], value: [UInt8])], topic: String) async throws -> KafkaMeasurement {
        let configuration = KafkaProducerConfiguration(client: .init(bootstrapServers: [bootstrap]))
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let messages = payloads.map { KafkaOutgoingMessage(topic: topic, key: $0.key, value: $0.value) }
        return try await withThrowingTaskGroup(of: KafkaMeasurement?.self) { group in
            group.addTask { try await producer.run(); return nil }
            let clock = ContinuousClock()
            let start = clock.now
            let startCPU = processCPUSeconds()
            // Like kcat, wait for the initial metadata before producing (kcat's -m; it is part of the time).
            _ = try await producer.metadata(timeout: .seconds(5))
            let reports = try await producer.deliver(messages)
            let measurement = KafkaMeasurement(wall: (clock.now - start).seconds, cpu: processCPUSeconds() - startCPU)
            let failed = reports.filter { !$0.isDelivered }.count
            precondition(failed == 0, "\(failed) messages failed to deliver; the benchmark is void.")
            producer.requestStop()
            try await group.waitForAll()
            return measurement
        }
    }

    /// Flywheel's consumer: reads every partition from the beginning until `count` messages arrived.
    func flywheelConsume(topic: String, count: Int) async throws -> KafkaMeasurement {
        var configuration = KafkaConsumerConfiguration(client: .init(bootstrapServers: [bootstrap]), groupID: "bench-\(topic)")
        configuration.isAutoCommitEnabled = false
        // As Flywheel's loop consumes, and as kcat's default output format (no %h) does: without reading headers.
        configuration.readsHeaders = false
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        let clock = ContinuousClock()
        let start = clock.now
        let startCPU = processCPUSeconds()
        // Like kcat, wait for the initial metadata before starting the partitions (part of the time).
        _ = try await consumer.metadata(timeout: .seconds(5))
        try await consumer.assign((0..<partitions).map {
            KafkaTopicPartitionOffset(topic: topic, partition: $0, offset: KafkaTopicPartitionOffset.beginning)
        })
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await consumer.run() }
            group.addTask {
                // Watchdog: a run that stalls ends with an error instead of hanging.
                try await Task.sleep(for: .seconds(60))
                consumer.requestStop()
            }
            var received = 0
            var bytes = 0
            for await batch in consumer.messages {
                received += batch.count
                for message in batch { bytes &+= message.value.count }
                if received >= count { break }
            }
            let measurement = KafkaMeasurement(wall: (clock.now - start).seconds, cpu: processCPUSeconds() - startCPU)
            consumer.requestStop()
            group.cancelAll()
            try? await group.waitForAll()
            guard received >= count else {
                throw BenchmarkError("Flywheel's consumer received \(received) of \(count) messages within 60 s")
            }
            return measurement
        }
    }

    /// Runs one Flywheel side in a fresh `kafka-client` process of `executable` (this benchmark) and reads the
    /// measurement it prints.
    func flywheelInChild(
        _ direction: KafkaClientRun.Direction, executable: String, topic: String, messages: Int, size: Int
    ) throws -> KafkaMeasurement {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "kafka-client", direction.rawValue, "--bootstrap", bootstrap, "--topic", topic, "--messages", "\(messages)",
            "--size", "\(size)", "--partitions", "\(partitions)",
        ]
        let output = Pipe()
        process.standardOutput = output
        // Its complaints, if any, go straight to this benchmark's standard error (a second pipe read after the first
        // could fill up and stall the child).
        process.standardError = FileHandle.standardError
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let fields = printed.split(whereSeparator: \.isWhitespace)
        guard process.terminationStatus == 0, fields.count == 3, fields[0] == "measurement",
            let wall = Double(fields[1]), let cpu = Double(fields[2])
        else {
            throw BenchmarkError(
                "flywheel-bench kafka-client \(direction.rawValue) failed (exit \(process.terminationStatus); its errors are above): \(printed)")
        }
        return KafkaMeasurement(wall: wall, cpu: cpu)
    }

    /// `kcat -P -l file`: produces every line of the file and exits after its final flush.
    func kcatProduce(file: URL, topic: String) throws -> KafkaMeasurement {
        try timeProcess([
            "-P", "-b", bootstrap, "-t", topic, "-K", ":", "-X", "enable.idempotence=true", "-X", "linger.ms=5",
            "-l", file.path,
        ])
    }

    /// `kcat -C -e`: reads every partition from the beginning and exits at the end of the last one.
    func kcatConsume(topic: String, count: Int) throws -> KafkaMeasurement {
        try timeProcess(["-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-c", "\(count)"])
    }

    /// Runs kcat; its CPU time comes from `getrusage(RUSAGE_CHILDREN)`, which counts children once they are reaped
    /// (the broker process, also a child, is reaped only at the end).
    private func timeProcess(_ arguments: [String]) throws -> KafkaMeasurement {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: kcat)
        process.arguments = arguments
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        let startCPU = childrenCPUSeconds()
        let clock = ContinuousClock()
        let start = clock.now
        try process.run()
        process.waitUntilExit()
        let elapsed = clock.now - start
        let cpu = childrenCPUSeconds() - startCPU
        guard process.terminationStatus == 0 else {
            throw BenchmarkError("kcat \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
        return KafkaMeasurement(wall: elapsed.seconds, cpu: cpu)
    }
}

/// A benchmark that could not be measured.
struct BenchmarkError: Error, CustomStringConvertible {
    /// What went wrong.
    let description: String
    init(_ description: String) { self.description = description }
}

extension Duration {
    /// The duration in seconds as a `Double`.
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}

extension KafkaBenchmarkRunner {
    /// kcat's raw rates on the broker at `bootstrap`: 200,000 request-sized messages (120 bytes) produced to
    /// `bench.kcat` (which must exist with `partitions` partitions), then consumed — the floor beside the loop's figures,
    /// and a reading of the machine's phase.
    static func kcatRates(bootstrap: String, kcat: String, partitions: Int32) throws -> (produce: Double, consume: Double) {
        let messages = 200_000
        let payloads = KafkaBenchmarkPayloads.make(messages: messages, size: 120)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("flywheel-bench-kcat-\(getpid()).txt")
        let lines = payloads.map { String(decoding: $0.key, as: UTF8.self) + ":" + String(decoding: $0.value, as: UTF8.self) }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var logger = Logger(label: "flywheel.bench")
        logger.logLevel = .error
        let runner = KafkaBenchmarkRunner(bootstrap: bootstrap, kcat: kcat, partitions: partitions, logger: logger)
        let produced = try runner.kcatProduce(file: file, topic: "bench.kcat")
        let consumed = try runner.kcatConsume(topic: "bench.kcat", count: messages)
        return (Double(messages) / produced.wall, Double(messages) / consumed.wall)
    }
}
