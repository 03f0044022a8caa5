/// RFC 3986 percent-encoding, as AWS (SigV4, the query API) and OAuth form bodies require:
/// everything but the unreserved set `A-Z a-z 0-9 - . _ ~` is encoded, with upper-case hex.
public enum PercentEncoding {
    public static func encode(_ text: String, keepingSlash: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D, 0x2E, 0x5F, 0x7E:
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case 0x2F where keepingSlash:
                out.append("/")
            default:
                out.append("%")
                out.append(Hex.digits[Int(byte >> 4)])
                out.append(Hex.digits[Int(byte & 0x0F)])
            }
        }
        return out
    }

    /// `application/x-www-form-urlencoded` body from ordered fields (order kept: some fakes and
    /// golden files compare bodies byte for byte).
    public static func formBody(_ fields: [(String, String)]) -> String {
        fields.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }

    /// Decodes `%XX` escapes (and `+` as space when `plusAsSpace`); nil on a malformed escape or non-UTF-8 result.
    public static func decode(_ text: String, plusAsSpace: Bool = false) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == 0x25 {
                guard let hi = iterator.next().flatMap(Hex.value), let lo = iterator.next().flatMap(Hex.value) else {
                    return nil
                }
                bytes.append(hi << 4 | lo)
            } else if byte == 0x2B && plusAsSpace {
                bytes.append(0x20)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

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
