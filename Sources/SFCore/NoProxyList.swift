/// A parsed `NO_PROXY` value, matched as curl (≥ 7.86) and the AWS and Google SDKs match it.
///
/// Entries are separated by commas and/or whitespace. `*` alone bypasses the proxy for every host.
/// A name matches itself and its subdomains on a label boundary (`example.com` and `.example.com`
/// both match `example.com` and `a.example.com`, never `badexample.com`); a leading `*.` is read as
/// `.`. IP literals (IPv6 with or without brackets) and CIDR blocks (`10.0.0.0/8`, `fd00::/8`) match
/// IP-literal hosts by address. A `:PORT` suffix is ignored, as curl ignores it. Matching is
/// case-insensitive and ignores a trailing dot. Malformed entries match nothing.
public struct NoProxyList: Sendable, Equatable {
    enum Entry: Sendable, Equatable {
        case name(String)
        case network(IPAddress, prefixLength: Int)
    }

    let matchesEverything: Bool
    let entries: [Entry]

    public init(_ text: String) {
        var everything = false
        var entries: [Entry] = []
        let tokens = text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" || $0 == "\n" })
        for token in tokens {
            if token == "*" {
                everything = true
            } else if let entry = Self.entry(token) {
                entries.append(entry)
            }
        }
        self.matchesEverything = everything
        self.entries = entries
    }

    /// True when `host` (a name or an IP literal) bypasses the proxy.
    public func matches(host: String) -> Bool {
        if matchesEverything { return true }
        let name = Self.normalize(host)
        if let address = IPAddress(name) {
            let candidates = [address, address.unmapped]
            return entries.contains { entry in
                guard case .network(let network, let length) = entry else { return false }
                return candidates.contains { $0.isIn(network, prefixLength: length) }
            }
        }
        return entries.contains { entry in
            guard case .name(let suffix) = entry else { return false }
            return name == suffix || name.hasSuffix("." + suffix)
        }
    }

    /// Lower case, without brackets around an IPv6 literal and without a trailing dot.
    static func normalize(_ host: String) -> String {
        var name = Substring(host.lowercased())
        if name.hasPrefix("["), name.hasSuffix("]") { name = name.dropFirst().dropLast() }
        while name.hasSuffix(".") { name = name.dropLast() }
        return String(name)
    }

    private static func entry(_ token: Substring) -> Entry? {
        var text = Substring(token.lowercased())
        if text.hasPrefix("[") {
            // [v6], [v6]:port, [v6]/bits
            guard let close = text.firstIndex(of: "]") else { return nil }
            let address = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if rest.hasPrefix("/") { return network(address, bits: rest.dropFirst()) }
            let isPort = rest.hasPrefix(":") && rest.dropFirst().allSatisfy(\.isASCIIDigit)
            guard rest.isEmpty || isPort else { return nil }
            return network(address, bits: nil)
        }
        if let slash = text.firstIndex(of: "/") {
            return network(text[..<slash], bits: text[text.index(after: slash)...])
        }
        if IPAddress(String(text)) != nil { return network(text, bits: nil) }
        // name:port or v4:port: the port is ignored.
        if let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") {
            let port = text[text.index(after: colon)...]
            guard port.allSatisfy(\.isASCIIDigit) else { return nil }
            text = text[..<colon]
            if IPAddress(String(text)) != nil { return network(text, bits: nil) }
        }
        if text.hasPrefix("*.") { text = text.dropFirst(2) }
        while text.hasPrefix(".") { text = text.dropFirst() }
        while text.hasSuffix(".") { text = text.dropLast() }
        guard !text.isEmpty, !text.contains(":"), !text.contains("*") else { return nil }
        return .name(String(text))
    }

    private static func network(_ address: Substring, bits: Substring?) -> Entry? {
        guard let parsed = IPAddress(String(address)) else { return nil }
        let maximum = parsed.isIPv4 ? 32 : 128
        guard let bits else { return .network(parsed, prefixLength: maximum) }
        guard !bits.isEmpty, bits.allSatisfy(\.isASCIIDigit), let length = Int(bits), length <= maximum else {
            return nil
        }
        return .network(parsed, prefixLength: length)
    }
}
