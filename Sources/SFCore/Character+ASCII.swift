// By code point, not Unicode properties: these run on every webhook admission (role ARNs, audiences).
extension Character {
    var isASCIIDigit: Bool { asciiValue.map { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } ?? false }
    var isASCIILetter: Bool {
        isASCIILowercaseLetter || asciiValue.map { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) } ?? false
    }
    var isASCIILowercaseLetter: Bool {
        asciiValue.map { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) } ?? false
    }
}
