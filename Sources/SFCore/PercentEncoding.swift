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
