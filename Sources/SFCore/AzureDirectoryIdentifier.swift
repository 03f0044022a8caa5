/// The two spellings Entra ID accepts for a client or tenant: a GUID (`00000000-0000-0000-0000-000000000000`)
/// or, for tenants only, a verified domain name (`contoso.onmicrosoft.com`). Pure checks, shared by the
/// webhook's annotations and `skyferry setup azure`.
public enum AzureDirectoryIdentifier {
    /// 8-4-4-4-12 hexadecimal digits, either case.
    public static func isGUID(_ text: String) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12] else { return false }
        return groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }

    /// A DNS name of at least two labels (letters, digits, inner hyphens), at most 253 characters.
    public static func isTenantDomain(_ text: String) -> Bool {
        guard (3...253).contains(text.count) else { return false }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        return labels.allSatisfy { label in
            guard (1...63).contains(label.count), label.first != "-", label.last != "-" else { return false }
            return label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
            && labels.last!.contains(where: \.isLetter)
    }

    /// A tenant: a GUID or a tenant domain.
    public static func isTenant(_ text: String) -> Bool { isGUID(text) || isTenantDomain(text) }
}
