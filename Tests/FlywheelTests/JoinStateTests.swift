import FeatureValues
import Flywheel
import FlywheelEvents
import Testing

/// The join as a plain value, replayed with exact expectations; time is passed in, never slept.
@Suite("Join state")
struct JoinStateTests {
    typealias Instant = ContinuousClock.Instant
    static let start = ContinuousClock.now
    static func at(_ seconds: Double) -> Instant { start.advanced(by: .seconds(seconds)) }
    static let model = ModelReference(id: "m", version: 1)

    static func prediction(_ id: String, x: Double = 1) -> PredictionEvent {
        PredictionEvent(requestId: id, ts: 100, features: ["x": .number(x)],
                        champion: ModelOutput(model: model, answer: 1, probabilities: [0.3, 0.7]), shadows: [])
    }
    static func label(_ id: String, _ value: Double = 1) -> LabelEvent { LabelEvent(id: id, ts: 101, label: value) }

    @Test func joinsWhicheverComesFirst() {
        var join = JoinState<Instant>(window: .seconds(10))
        #expect(join.receive(Self.prediction("a", x: 5), at: Self.at(0)) == nil)
        let first = join.receive(Self.label("a"), at: Self.at(1))
        #expect(first?.features == ["x": .number(5)], "the features as scored")
        #expect(first?.champion.model == Self.model && first?.shadows.isEmpty == true)
        #expect(join.receive(Self.label("b", 0), at: Self.at(2)) == nil)
        let second = join.receive(Self.prediction("b"), at: Self.at(3))
        #expect(second?.label == 0)
        #expect(join.counters.joined == 2)
        #expect(join.pending == (0, 0))
    }

    @Test func unmatchedSidesExpireAndAreCounted() {
        var join = JoinState<Instant>(window: .seconds(10))
        _ = join.receive(Self.prediction("never-labelled"), at: Self.at(0))
        _ = join.receive(Self.label("never-predicted"), at: Self.at(5))
        join.expire(at: Self.at(9.9))
        #expect(join.pending == (1, 1))
        join.expire(at: Self.at(10))
        #expect(join.counters.unlabeledPredictions == 1)
        #expect(join.pending == (0, 1))
        join.expire(at: Self.at(15))
        #expect(join.counters.orphanedLabels == 1)
        // Too late: the prediction is gone, so this label waits and expires in turn.
        #expect(join.receive(Self.label("never-labelled"), at: Self.at(16)) == nil)
    }

    @Test func duplicatesAfterACrashAreNotJoinedTwice() {
        var join = JoinState<Instant>(window: .seconds(10))
        _ = join.receive(Self.prediction("a"), at: Self.at(0))
        #expect(join.receive(Self.prediction("a"), at: Self.at(0.5)) == nil)  // waiting twice
        #expect(join.receive(Self.label("a"), at: Self.at(1)) != nil)
        #expect(join.receive(Self.prediction("a"), at: Self.at(2)) == nil)  // redelivered after the join
        #expect(join.receive(Self.label("a"), at: Self.at(3)) == nil)
        #expect(join.counters.joined == 1)
        #expect(join.counters.duplicates == 3)
    }

    /// 1,000 requests at 1 ms apart, labels 100 requests later, every hundredth label lost: exactly 990 joined and
    /// 10 unlabeled once the window has passed.
    @Test func replayWithDelayedAndLostLabels() {
        var join = JoinState<Instant>(window: .seconds(1))
        var joined = 0
        for index in 0..<1100 {
            let now = Self.at(Double(index) / 1000)
            if index < 1000, join.receive(Self.prediction("r\(index)"), at: now) != nil { joined += 1 }
            let labelled = index - 100
            if labelled >= 0, labelled < 1000, labelled % 100 != 7, join.receive(Self.label("r\(labelled)"), at: now) != nil {
                joined += 1
            }
            join.expire(at: now)
        }
        join.expire(at: Self.at(5))
        #expect(joined == 990)
        #expect(join.counters.joined == 990)
        #expect(join.counters.unlabeledPredictions == 10)
        #expect(join.counters.orphanedLabels == 0)
    }

    @Test func scoreboardScoresEveryModelOnTheSameRequests() {
        var board = ModelScoreboard(window: 2)
        let shadow = ModelReference(id: "s", version: 2)
        for (label, championP, shadowP) in [(1.0, 0.9, 0.6), (0.0, 0.8, 0.1), (1.0, 0.7, 0.9)] {
            board.record(JoinedExample(
                requestId: "r", requestTs: 0, labelTs: 0, features: [:], label: label,
                champion: ModelOutput(model: Self.model, answer: 1, probabilities: [1 - championP, championP]),
                shadows: [ModelOutput(model: shadow, answer: 0, probabilities: [1 - shadowP, shadowP])]))
        }
        #expect(abs((board.entries[Self.model.id]?.overall.accuracy ?? 0) - 2.0 / 3) < 1e-12)
        #expect(board.entries[shadow.id]?.overall.accuracy == 1)
        #expect(board.entries[Self.model.id]?.recent.value == 0.5)  // last two: wrong, right
        #expect(board.served.overall.count == 3 && abs(board.served.overall.accuracy - 2.0 / 3) < 1e-12, "the first is served")
        #expect(board.entries[shadow.id]?.latest == shadow)
    }
}

@Suite("Join state expiry order")
struct JoinStateExpiryTests {
    /// A request joined before its deadline is not counted as lost when that deadline passes; a duplicate is
    /// recognised however late it comes, until `recentJoins` newer requests have been joined — then it waits again
    /// as a fresh entry.
    @Test func joinedEntriesAreNotCountedAsLostAtTheirOldDeadline() {
        var join = JoinState<ContinuousClock.Instant>(window: .seconds(10), recentJoins: 2)
        #expect(join.recentJoins == 2)
        _ = join.receive(JoinStateTests.prediction("a"), at: JoinStateTests.at(0))
        _ = join.receive(JoinStateTests.label("a"), at: JoinStateTests.at(5))
        join.expire(at: JoinStateTests.at(12))  // the prediction's old deadline (10) has passed
        #expect(join.counters.unlabeledPredictions == 0)
        #expect(join.receive(JoinStateTests.label("a"), at: JoinStateTests.at(13)) == nil)
        #expect(join.counters.duplicates == 1, "a is remembered")
        join.expire(at: JoinStateTests.at(100))
        #expect(join.receive(JoinStateTests.prediction("a"), at: JoinStateTests.at(101)) == nil)
        #expect(join.counters.duplicates == 2, "joined memory does not expire with time")
        for id in ["b", "c"] {
            _ = join.receive(JoinStateTests.prediction(id), at: JoinStateTests.at(101))
            _ = join.receive(JoinStateTests.label(id), at: JoinStateTests.at(101))
        }
        #expect(join.receive(JoinStateTests.label("a"), at: JoinStateTests.at(102)) == nil)
        #expect(join.pending == (0, 1), "two newer joins later, a late label waits as a new one")
        join.expire(at: JoinStateTests.at(112))
        #expect(join.counters.orphanedLabels == 1)
    }

    @Test func theDeadlineQueueStaysNearWhatWaitsNotTheWindow() {
        // 300,000 requests at 10,000/s, each label 1,000 requests later, a 600 s window: nothing reaches its deadline,
        // yet only ~1,000 wait at a time. One prediction is never labelled and must still expire on time.
        var join = JoinState<ContinuousClock.Instant>(window: .seconds(600))
        _ = join.receive(JoinStateTests.prediction("never-labelled"), at: JoinStateTests.at(0))
        var largest = 0
        for index in 0..<300_000 {
            let now = JoinStateTests.at(Double(index) / 10_000)
            _ = join.receive(JoinStateTests.prediction("r\(index)"), at: now)
            if index >= 1_000 { _ = join.receive(JoinStateTests.label("r\(index - 1_000)"), at: now) }
            if index % 100 == 0 {
                join.expire(at: now)
                largest = max(largest, join.queuedDeadlines)
            }
        }
        #expect(join.counters.joined == 299_000)
        #expect(largest <= 65_536 + 200, "the queue held \(largest) deadlines for ~1,000 waiting requests")
        join.expire(at: JoinStateTests.at(599.9))
        #expect(join.counters.unlabeledPredictions == 0)
        join.expire(at: JoinStateTests.at(600))
        #expect(join.counters.unlabeledPredictions == 1, "the one never labelled expires at its own deadline")
        join.expire(at: JoinStateTests.at(631))
        #expect(join.counters.unlabeledPredictions == 1_001 && join.pending == (0, 0))
    }

    @Test func waitingLabelsAreCountedByPartitionUntilTheyJoinOrExpire() {
        var join = JoinState<ContinuousClock.Instant>(window: .seconds(10))
        for (id, partition) in [("a", 0), ("b", 0), ("c", 1), ("d", 1), ("e", 1)] as [(String, Int32)] {
            _ = join.receive(JoinStateTests.label(id), partition: partition, at: JoinStateTests.at(0))
        }
        _ = join.receive(JoinStateTests.label("late"), partition: 1, at: JoinStateTests.at(5))
        #expect(join.waitingLabelsByPartition == [0: 2, 1: 4])
        _ = join.receive(JoinStateTests.prediction("a"), at: JoinStateTests.at(1))
        join.markJoined("c", at: JoinStateTests.at(1))
        #expect(join.waitingLabelsByPartition == [0: 1, 1: 3])
        join.expire(at: JoinStateTests.at(10))
        #expect(join.waitingLabelsByPartition == [1: 1], "b, d and e expired; the late label still waits")
        join.expire(at: JoinStateTests.at(15))
        #expect(join.waitingLabelsByPartition.isEmpty && join.counters.orphanedLabels == 4)
    }
}
