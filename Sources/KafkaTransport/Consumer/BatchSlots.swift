import Dispatch
import Synchronization

// MARK: - BatchSlots

/// A counting semaphore for batches in flight between the poll thread and the application (back-pressure).
///
/// Wraps `DispatchSemaphore`, which traps if released while its value is below its initial value; this class counts
/// the slots taken and gives them back before the semaphore goes.
final class BatchSlots: Sendable {
    private let semaphore: DispatchSemaphore
    private let taken = Atomic<Int>(0)
    private let isStopped = Atomic<Bool>(false)

    /// Makes `count` slots.
    init(count: Int) {
        semaphore = DispatchSemaphore(value: count)
    }

    /// Takes a slot, waiting up to `timeout` or until ``stop()``. Returns whether one was taken (never after `stop`).
    func take(timeout: Duration) -> Bool {
        let nanoseconds = Int(timeout.milliseconds) * 1_000_000
        guard semaphore.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .success else { return false }
        if isStopped.load(ordering: .acquiring) {
            semaphore.signal()  // pass the wake-up on to the next waiter
            return false
        }
        taken.add(1, ordering: .relaxed)
        return true
    }

    /// Ends every wait in ``take(timeout:)`` now and makes later ones return at once, so a consumer that is asked to
    /// stop while the application holds its batches does not wait out its poll timeout first.
    func stop() {
        guard !isStopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        semaphore.signal()
    }

    /// Gives a slot back.
    func give() {
        taken.subtract(1, ordering: .relaxed)
        semaphore.signal()
    }

    deinit {
        for _ in 0..<max(0, taken.load(ordering: .relaxed)) { semaphore.signal() }
    }
}
