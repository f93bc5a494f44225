import ArgumentParser
import Foundation

// MARK: - LoopProgramOptions

/// The options `flywheel-bench loop` and `flywheel-bench demo` share: the stream the loop is fed, the `flywheel`
/// executable that runs it, and the kcat that gives the floor beside it.
struct LoopProgramOptions: ParsableArguments {
    /// The stream.
    @Option(help: "The labelled stream (CSV with a header line) whose rows the requests carry.")
    var data = "streams/data/sea_abrupt.csv"

    /// Its schema.
    @Option(help: "The stream's feature schema.")
    var schema = "streams/sea_abrupt.schema.json"

    /// The flywheel executable.
    @Option(help: ArgumentHelp("The flywheel executable. Default: the one beside this benchmark.", valueName: "path"))
    var flywheel: String?

    /// Path to kcat.
    @Option(help: "The kcat binary, whose raw produce and consume rates on a flywheel broker are printed beside the figures (they also read the machine's phase).")
    var kcat = "/usr/bin/kcat"

    /// Checks that the stream and its schema exist.
    func validate() throws {
        for path in [data, schema] where !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("\(path) not found; run from the repository's top directory or pass --data and --schema.")
        }
    }

    /// `--flywheel`, or the `flywheel` beside this benchmark's executable.
    var flywheelPath: String {
        flywheel ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("flywheel").path
    }
}
