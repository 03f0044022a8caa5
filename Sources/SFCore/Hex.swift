/// Lower-level hex helpers shared by the signer and the encoders.
public enum Hex {
    static let digits: [Character] = Array("0123456789ABCDEF")
    static let lowerDigits: [Character] = Array("0123456789abcdef")

    /// Lower-case hex, as SigV4 and SHA-256 digests are spelled.
    public static func lower<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out = ""
        for byte in bytes {
            out.append(lowerDigits[Int(byte >> 4)])
            out.append(lowerDigits[Int(byte & 0x0F)])
        }
        return out
    }

    static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }
}
