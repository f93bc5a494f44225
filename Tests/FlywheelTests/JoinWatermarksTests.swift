@testable import Flywheel
import Testing

/// The feedback role's committed positions: per partition the oldest record still waiting, through the queue's
/// in-place compaction behind a record that waits long.
@Suite("Join watermarks")
struct JoinWatermarksTests {
    @Test func thePositionStaysAtTheOldestWaitingRecordThroughCompactions() {
        var marks = JoinWatermarks()
        var waiting: Set<String> = ["stuck"]
        marks.handled(topic: "p", partition: 0, offset: 0, waiting: (requestId: "stuck", side: .prediction))
        // 50,000 more records behind it, every 7th still waiting when the positions are asked for, the rest joined
        // at once: the queue is compacted several times (each time it doubles past the last compaction + 4,096).
        for offset in Int64(1)...50_000 {
            let id = "r\(offset)"
            marks.handled(topic: "p", partition: 0, offset: offset, waiting: (requestId: id, side: .label))
            if offset % 7 == 0 { waiting.insert(id) }
            if offset % 1_000 == 0 {
                let positions = marks.positions { id, _ in waiting.contains(id) }
                #expect(positions == [InputPosition(topic: "p", partition: 0, offset: 0)], "after \(offset)")
            }
        }
        // The long waiter joins: the position moves to the oldest record still waiting, r7, then past each as it joins.
        waiting.remove("stuck")
        #expect(marks.positions { id, _ in waiting.contains(id) } == [InputPosition(topic: "p", partition: 0, offset: 7)])
        for offset in stride(from: Int64(7), through: 49_987, by: 7) { waiting.remove("r\(offset)") }
        #expect(marks.positions { id, _ in waiting.contains(id) } == [InputPosition(topic: "p", partition: 0, offset: 49_994)])
        waiting.removeAll()
        #expect(marks.positions { id, _ in waiting.contains(id) } == [InputPosition(topic: "p", partition: 0, offset: 50_001)])
    }
}
