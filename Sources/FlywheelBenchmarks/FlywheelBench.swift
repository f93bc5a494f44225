import ArgumentParser
import Foundation
import LinearAlgebra

// MARK: - FlywheelBench

/// `flywheel-bench`: Flywheel's benchmarks, each side by side with a reference in the same run.
@main
struct FlywheelBench: AsyncParsableCommand {
    /// Help text and subcommands.
    static let configuration = CommandConfiguration(
        commandName: "flywheel-bench",
        abstract: "Benchmarks, each compared with a reference tool in the same run (build with -c release).",
        subcommands: [
            KafkaBenchmark.self, KafkaClientRun.self, LearningBenchmark.self, PerceptronBenchmark.self, DriftBenchmark.self,
            PromotionBenchmark.self, LoopBenchmark.self, LoopClientRun.self, CodecBenchmark.self, DemoBenchmark.self,
        ],
        defaultSubcommand: KafkaBenchmark.self
    )

    /// Pins OpenBLAS to one thread before anything runs (../shared/PLATFORM-NOTES.md: a second thread makes small
    /// products slower, and its idle spinning shows up as CPU time), then parses and runs the command (ArgumentParser's `main(_:)`).
    static func main() async {
        // OpenBLAS starts its threads when the library loads, and a thread it no longer uses still spins for a while
        // (CPU time the measurements would charge to Flywheel); only the environment variable, read at load time,
        // prevents that. So the benchmarks run themselves again with it set.
        if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] != "1" {
            setenv("OPENBLAS_NUM_THREADS", "1", 1)
            let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
            execv("/proc/self/exe", arguments)
            // execv returns only on failure; carry on with the thread count set below.
        }
        BLAS.setThreadCount(1)
        await main(nil)
    }
}
