import ArgumentParser
import Flywheel
import FlywheelDemo
import Foundation
import ModelRegistry

// MARK: - ReportCommand

/// `flywheel report`: the drift history in a registry as one self-contained HTML page and as JSON.
struct ReportCommand: ParsableCommand {
    /// Help text.
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Render the drift history of a registry as a self-contained HTML page (and JSON).",
        discussion: """
            Reads the registry the trainer role keeps (drift reports, promotions and rollbacks) and writes one HTML \
            file with a chart per model (windowed accuracy or MAE over time, drift alarms and promotions marked), \
            the newest feature-drift table with reference-vs-current histograms, label coverage and the decisions \
            with their evidence. The page has no scripts and fetches nothing: open it from disk anywhere. It is \
            built from stored summaries, never raw requests, so it stays small.

            Example: flywheel report --registry flywheel-demo.sqlite --html report.html --json report.json
            """
    )

    /// The registry.
    @Option(help: ArgumentHelp("The SQLite registry to read.", valueName: "path"))
    var registry = "flywheel-registry.sqlite"

    /// The HTML output.
    @Option(help: ArgumentHelp("Where to write the HTML page.", valueName: "path"))
    var html = "flywheel-report.html"

    /// The JSON output.
    @Option(help: ArgumentHelp("Also write the report as JSON here.", valueName: "path"))
    var json: String?

    /// Writes the files.
    func run() throws {
        guard FileManager.default.fileExists(atPath: registry) else {
            throw ValidationError("--registry \(registry): no such file. Run `flywheel demo` or the trainer role first.")
        }
        let paths = try Self.write(registry: try ModelRegistry(path: registry), html: html, json: json)
        print("Report written: \(paths.joined(separator: ", "))")
    }

    /// Renders the registry's report to `html` (and `json`); returns the paths written.
    static func write(registry: ModelRegistry, html: String, json: String?) throws -> [String] {
        let report = try HistoryReport(registry: registry)
        do {
            try Data(ReportPage.html(report).utf8).write(to: URL(fileURLWithPath: html))
            if let json { try report.json.write(to: URL(fileURLWithPath: json)) }
        } catch {
            throw ValidationError("cannot write the report: \(error.localizedDescription)")
        }
        return [html] + (json.map { [$0] } ?? [])
    }
}
