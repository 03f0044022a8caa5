import Synchronization

/// A `RandomNumberGenerator` that can be shared across tasks: production wraps OpenSSL's DRBG,
/// tests a seeded generator, so jitter is reproducible in tests.
public struct SharedRandom: RandomNumberGenerator, Sendable {
    private let source: @Sendable () -> UInt64

    public init(_ source: @escaping @Sendable () -> UInt64) {
        self.source = source
    }

    public mutating func next() -> UInt64 { source() }

    /// A deterministic generator (SplitMix64) for tests and reproducible runs.
    public static func seeded(_ seed: UInt64) -> SharedRandom {
        let state = Mutex(seed)
        return SharedRandom {
            state.withLock { value in
                value &+= 0x9E37_79B9_7F4A_7C15
                var z = value
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return z ^ (z >> 31)
            }
        }
    }
}
