import Foundation
import Testing

/// The chaos harness, small: `scripts/chaos.py` runs a `flywheel broker` process, 2 inference, 2 feedback and 1
/// trainer `flywheel serve` processes, and a kcat producer of 4,000 requests and their labels; it kills each role
/// process once with SIGKILL (each restarted at once) and stalls the broker for 3 s, then reads every topic back.
/// It exits 0 only if every request has a prediction, every label is joined or dead-lettered, the trainer learned
/// each request once, both inference processes serve the champion the models topic names, the registry agrees, and
/// every restarted role was back within the session timeout + 30 s. docs/operations.md has the full-size runs.
@Suite("Chaos: kill -9 of every role and a broker stall")
struct ChaosTests {
    @Test func everyEffectHappensOnceUnderKillsAndAStall() throws {
        let binary = ServeRestartTests.binary
        #expect(FileManager.default.isExecutableFile(atPath: binary), "build the flywheel product first: \(binary)")
        let run = try HarnessScript.run(
            "chaos.py", ["--requests", "4000", "--rate", "300", "--kill-each-role", "--stall", "3", "--seed", "7"])
        let lines = run.lines
        #expect(run.status == 0, "chaos.py failed:\n\(run.text)")
        #expect(run.lastLine == "chaos: requests 4000, without prediction 0, labels unaccounted 0, examples applied twice 0, champions agree yes, registry ok",
                "last line: \(run.lastLine)")
        // Each of the five role processes was killed and restarted.
        #expect(lines.filter { $0.contains("kill -9") && $0.contains("(pid") }.count == 5)
    }
}
