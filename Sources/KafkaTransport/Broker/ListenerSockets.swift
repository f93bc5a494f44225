#if canImport(Glibc)
import Glibc
#endif
import Foundation

// MARK: - ListenerSockets

/// Turns Nagle's algorithm off on the embedded brokers' listening sockets; the connections they accept inherit it
/// (Linux copies `TCP_NODELAY` from the listener to each accepted socket).
///
/// Why: librdkafka's mock broker leaves Nagle on. When a client has two requests in flight on one connection (a
/// producer pipelines up to five), the broker's second response waits for the client to acknowledge the first, and
/// the client delays that acknowledgement by up to 40 ms (Linux's delayed ACK): every produce acknowledgement took
/// ~43 ms, so a role waiting for its batch to be delivered served 1,000 requests/s with a p50 latency of 70 ms.
/// With `TCP_NODELAY` on the broker's sockets a delivery takes ~0.25 ms (docs/benchmarks.md, "Latency").
enum ListenerSockets {
    /// Sets `TCP_NODELAY` on every listening TCP socket of this process bound to one of `ports`.
    /// - Returns: how many sockets it set.
    @discardableResult
    static func disableNagle(onPorts ports: Set<UInt16>) -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return 0 }
        var changed = 0
        for name in names {
            guard let fd = Int32(name), isListening(fd), let port = localPort(fd), ports.contains(port) else { continue }
            var one: Int32 = 1
            if setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size)) == 0 {
                changed += 1
            }
        }
        return changed
    }

    private static func isListening(_ fd: Int32) -> Bool {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &value, &length) == 0 && value == 1
    }

    private static func localPort(_ fd: Int32) -> UInt16? {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0, address.sin_family == sa_family_t(AF_INET) else { return nil }
        return UInt16(bigEndian: address.sin_port)
    }
}
