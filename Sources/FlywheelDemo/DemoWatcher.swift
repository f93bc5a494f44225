import Flywheel
import Foundation
import ServiceLifecycle
import Synchronization

// MARK: - DemoWatcher

/// Prints the demo's progress every two seconds and ends — shutting the group down gracefully — once every request
/// is served and joined, the trainer and promoter have read every example, and the registry has recorded every model
/// event. It gives up (and says why) when nothing moves for a minute.
public final class DemoWatcher: Service, Sendable {
    private let loop: FlywheelLoop
    private let replayer: StreamReplayer
    private let total: Int
    private let done = Atomic<Bool>(false)

    /// Watches `loop` while `replayer` sends `total` requests.
    public init(loop: FlywheelLoop, replayer: StreamReplayer, total: Int) {
        self.loop = loop
        self.replayer = replayer
        self.total = total
    }

    /// Whether the run got to the end of the stream.
    public var finished: Bool { done.load(ordering: .relaxed) }

    /// Prints progress until the run is complete or stalls.
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await self.watch() }
        } catch is CancellationError {}
    }

    private func watch() async throws {
        let started = ContinuousClock.now
        var lastProgress = [-1, -1, -1]
        var lastMove = started, lastTime = started
        var lastServed = 0
        while true {
            // The run's end is noticed within 10 ms: the demo's rate counts the time until the group has stopped, and
            // at 30,000 requests/s a 200 ms check (as before) added up to 6% to a run of 100,000.
            try await Task.sleep(for: .milliseconds(10))
            let state = self.state
            if state.complete {
                done.store(true, ordering: .relaxed)
                return
            }
            let now = ContinuousClock.now
            let progress = [state.served, state.joined, state.learned]
            if progress != lastProgress {
                lastProgress = progress
                lastMove = now
            } else if now - lastMove > .seconds(60) {
                FileHandle.standardError.write(Data("demo: no progress for a minute; stopping (\(state.line))\n".utf8))
                return
            }
            if now - lastTime >= .seconds(2) {
                let rate = Double(state.served - lastServed) / (now - lastTime).seconds
                Self.say(String(format: "[%6.1f s] ", (now - started).seconds) + state.line + String(format: " · %.0f requests/s", rate))
                lastServed = state.served
                lastTime = now
            }
        }
    }

    /// Writes a line to stdout at once (stdout is block-buffered in a pipe).
    public static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    private var state: (served: Int, joined: Int, learned: Int, complete: Bool, line: String) {
        let served = loop.engine?.requestsServed ?? 0
        let joined = loop.joiner?.counters.joined ?? 0
        let trainer = loop.trainer?.learning ?? (examplesLearned: 0, versionsPublished: 0)
        let decisions = loop.promoter?.decisions.count ?? 0
        let promoterSeen = loop.promoter?.examplesSeen ?? 0
        let recorded = loop.recorder?.eventsRecorded ?? 0
        let reportsRecorded = loop.recorder?.reportsRecorded ?? 0
        let reportsPublished = loop.joiner?.driftReportsPublished ?? 0
        let champion = loop.liveModels?.snapshot.champion.reference
        // Examples the label guard held back never reach the trainer or the promoter.
        let heldBack = loop.joiner?.labelsHeldBack ?? 0
        let complete = served >= total && joined >= total && trainer.examplesLearned + heldBack >= total
            && promoterSeen + heldBack >= total
            && recorded >= trainer.versionsPublished + decisions && reportsRecorded >= reportsPublished
        let championName: String = champion.map { "\($0.id) v\($0.version)" } ?? "?"
        let line = "\(Self.grouped(served))/\(Self.grouped(total)) served · \(Self.grouped(joined)) joined · "
            + "\(Self.grouped(trainer.versionsPublished)) versions · \(decisions) decisions · champion \(championName)"
        return (served, joined, trainer.examplesLearned, complete, line)
    }

    /// `12345` → `12,345`.
    public static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return result
    }
}

extension Duration {
    /// The duration in seconds.
    public var seconds: Double { self / .seconds(1) }
}
