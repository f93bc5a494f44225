import ArgumentParser

// MARK: - FlywheelBench

/// `flywheel-bench`: Flywheel's benchmarks, each side by side with a reference in the same run.
@main
struct FlywheelBench: AsyncParsableCommand {
    /// Help text and subcommands.
    static let configuration = CommandConfiguration(
        commandName: "flywheel-bench",
        abstract: "Benchmarks, each compared with a reference tool in the same run (build with -c release).",
        subcommands: [KafkaBenchmark.self, LearningBenchmark.self, PerceptronBenchmark.self, DriftBenchmark.self],
        defaultSubcommand: KafkaBenchmark.self
    )
}
