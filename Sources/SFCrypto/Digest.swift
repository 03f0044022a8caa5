import CSFCrypto

/// SHA-256 and HMAC-SHA256 through OpenSSL's libcrypto. Pure functions of their inputs.
public enum Digest {
    /// SHA-256 of `data` (32 bytes).
    public static func sha256(_ data: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let input = Array(data)
        let ok = input.withUnsafeBufferPointer { buffer in
            out.withUnsafeMutableBufferPointer { result in
                EVP_Digest(buffer.baseAddress, buffer.count, result.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        precondition(ok == 1 && length == 32, "EVP_Digest(SHA-256) failed: libcrypto is unusable")
        return out
    }

    /// HMAC-SHA256 of `data` under `key` (32 bytes).
    public static func hmacSHA256(key: some Collection<UInt8>, data: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let keyBytes = Array(key)
        let input = Array(data)
        let result = keyBytes.withUnsafeBufferPointer { k in
            input.withUnsafeBufferPointer { d in
                out.withUnsafeMutableBufferPointer { o in
                    HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), d.baseAddress, d.count, o.baseAddress, &length)
                }
            }
        }
        precondition(result != nil && length == 32, "HMAC(SHA-256) failed: libcrypto is unusable")
        return out
    }

    /// Constant-time equality, for comparing secrets (bearer tokens) without a timing side channel.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in CRYPTO_memcmp(pa.baseAddress, pb.baseAddress, a.count) == 0 }
        }
    }
}
