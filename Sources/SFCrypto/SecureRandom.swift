import CSFCrypto

/// Cryptographically secure random bytes from OpenSSL's DRBG.
public struct SecureRandom: RandomNumberGenerator, Sendable {
    public init() {}

    public mutating func next() -> UInt64 {
        var value: UInt64 = 0
        let ok = withUnsafeMutableBytes(of: &value) {
            RAND_bytes($0.baseAddress!.assumingMemoryBound(to: UInt8.self), 8)
        }
        precondition(ok == 1, "RAND_bytes failed: the system has no entropy source")
        return value
    }

    /// `count` random bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        precondition(ok == 1, "RAND_bytes failed: the system has no entropy source")
        return out
    }
}
