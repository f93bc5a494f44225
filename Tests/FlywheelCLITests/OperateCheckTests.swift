import Foundation
import Testing

/// `scripts/operate-check.py` against the `flywheel` binary: a `flywheel serve` process (every role, embedded broker,
/// HTTP on a free port) fed requests and labels by kcat, its /metrics scraped while it runs and parsed by Python's
/// prometheus_client (the reference parser); once settled, every counter must equal what the process prints when it
/// stops, and admin requests without a valid token must be refused (401) with the audit log unchanged; then
/// `flywheel models` lists, is refused without the token, promotes, freezes and unfreezes with it; and headless
/// Chromium's DOM of the live /report page has every model and the operator's actions.
@Suite("Operating serve from outside: metrics, admin refusals, flywheel models")
struct OperateCheckTests {
    @Test func scrapedCountersEqualTheSummary() throws {
        let binary = ServeRestartTests.binary
        #expect(FileManager.default.isExecutableFile(atPath: binary), "build the flywheel product first: \(binary)")
        let run = try HarnessScript.run("operate-check.py", ["--requests", "3000", "--rate", "1000"])
        #expect(run.status == 0, "operate-check.py failed:\n\(run.text)")
        #expect(run.lastLine.hasPrefix("operate-check: requests 3000, counters equal to the summary 9/9, admin refused without token 2/2, models CLI 6/6, report page complete, scrapes parsed "),
                "last line: \(run.lastLine)")
    }
}
