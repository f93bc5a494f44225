// MARK: - FeatureHashing

/// The stable hash behind one-hot encoding by hashing: 64-bit FNV-1a over UTF-8 bytes.
///
/// Swift's `Hasher` is seeded per process, so it cannot place a category in the same bucket across restarts or
/// machines; FNV-1a can, and is what the serialized models and the tests pin.
public enum FeatureHashing {
    /// The 64-bit FNV-1a hash of `text`'s UTF-8 bytes.
    public static func fnv1a(_ text: String) -> UInt64 {
        fnv1a(bytes: text.utf8)
    }

    /// The 64-bit FNV-1a hash of bytes.
    public static func fnv1a(bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// The bucket `token` falls in among `width` buckets.
    public static func bucket(_ token: String, width: Int) -> Int {
        Int(fnv1a(token) % UInt64(width))
    }
}
