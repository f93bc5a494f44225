import Synchronization

// MARK: - BoundedMemo

/// Values kept by key for the life of the process, shared by every thread: what ``ModelBlob`` works out once per
/// feature schema (a process meets one or two). Past 16 keys it starts again empty, which only bounds it.
final class BoundedMemo<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let entries = Mutex<[Key: Value]>([:])

    /// The value kept for `key`, or `make`'s, kept from now on (made outside the lock; nothing is kept when it
    /// throws).
    func value<Failure: Error>(for key: Key, orMake make: () throws(Failure) -> Value) throws(Failure) -> Value {
        if let known = entries.withLock({ $0[key] }) { return known }
        let value = try make()
        entries.withLock { known in
            if known.count >= 16 { known.removeAll() }
            known[key] = value
        }
        return value
    }
}
