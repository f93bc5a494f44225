import Foundation

// MARK: - BlockingCall

/// Runs blocking librdkafka calls on a thread of their own, so they never hold one of Swift's cooperative threads.
enum BlockingCall {
    /// Runs `body` on a new dedicated thread and suspends until it returns.
    /// - Parameters:
    ///   - name: the thread's name, for debuggers and `top -H`.
    ///   - body: the blocking work.
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws.
    static func run<T: Sendable>(
        name: String,
        _ body: @escaping @Sendable () throws(KafkaError) -> T
    ) async throws(KafkaError) -> T {
        let result: Result<T, KafkaError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                do throws(KafkaError) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            thread.name = name
            thread.start()
        }
        return try result.get()
    }
}
