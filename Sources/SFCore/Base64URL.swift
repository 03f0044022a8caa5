/// Base64 and base64url decoding/encoding without Foundation's `Data` round trips, for JWT segments.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Decodes standard or URL-safe base64, padded or not; nil on any other character or a bad length.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        var padding = 0
        for c in text.utf8 {
            let value: UInt32
            switch c {
            case 0x41...0x5A: value = UInt32(c - 0x41)
            case 0x61...0x7A: value = UInt32(c - 0x61 + 26)
            case 0x30...0x39: value = UInt32(c - 0x30 + 52)
            case 0x2B, 0x2D: value = 62
            case 0x2F, 0x5F: value = 63
            case 0x3D: padding += 1; continue
            default: return nil
            }
            guard padding == 0 else { return nil }
            buffer = buffer << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        // A single leftover sextet cannot encode a byte.
        guard bits < 6, padding <= 2 else { return nil }
        return out
    }

    /// Standard base64 with padding (what Kubernetes expects for `[]byte` fields such as a JSONPatch).
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        var out = ""
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next()
            let b2 = iterator.next()
            let n = UInt32(b0) << 16 | UInt32(b1 ?? 0) << 8 | UInt32(b2 ?? 0)
            out.unicodeScalars.append(Unicode.Scalar(alphabet[Int(n >> 18 & 63)]))
            out.unicodeScalars.append(Unicode.Scalar(alphabet[Int(n >> 12 & 63)]))
            out.unicodeScalars.append(b1 == nil ? "=" : Unicode.Scalar(alphabet[Int(n >> 6 & 63)]))
            out.unicodeScalars.append(b2 == nil ? "=" : Unicode.Scalar(alphabet[Int(n & 63)]))
        }
        return out
    }
}
