import Foundation
import Synchronization

// MARK: - WallClock

/// Where a role reads the wall-clock time it stamps on events (seconds since 1970). Injected, so tests set it.
public protocol WallClock: Sendable {
    /// Now, in seconds since 1970.
    var secondsSince1970: Double { get }
}

// MARK: - SystemWallClock

/// The system's wall clock.
public struct SystemWallClock: WallClock {
    /// The system clock.
    public init() {}

    /// `Date()`, in seconds since 1970.
    public var secondsSince1970: Double { Date().timeIntervalSince1970 }
}

// MARK: - ManualWallClock

/// A wall clock that shows what it is set to (tests).
public final class ManualWallClock: WallClock {
    private let now: Mutex<Double>

    /// Starts at `secondsSince1970`.
    public init(_ secondsSince1970: Double) { now = Mutex(secondsSince1970) }

    /// The time set.
    public var secondsSince1970: Double { now.withLock { $0 } }

    /// Sets the time.
    public func set(_ secondsSince1970: Double) { now.withLock { $0 = secondsSince1970 } }
}
