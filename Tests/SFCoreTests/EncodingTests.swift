import Foundation
import SFCore
import Testing

struct EncodingTests {
    @Test("percent-encodes everything outside the unreserved set")
    func percent() {
        #expect(
            PercentEncoding.encode("arn:aws:iam::1:role/a b+c~d_e.f-g")
                == "arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%20b%2Bc~d_e.f-g"
        )
        #expect(PercentEncoding.encode("a/b", keepingSlash: true) == "a/b")
        #expect(PercentEncoding.encode("é") == "%C3%A9")
        #expect(PercentEncoding.decode("a%2Fb+c", plusAsSpace: true) == "a/b c")
        #expect(PercentEncoding.decode("%zz") == nil)
    }

    @Test("form bodies keep field order")
    func form() {
        #expect(PercentEncoding.formBody([("b", "1 2"), ("a", "x=y")]) == "b=1%202&a=x%3Dy")
    }

    @Test("base64 and base64url round trips")
    func base64() {
        #expect(Base64.decode(Data("any carnal pleas".utf8).base64EncodedString()) == Array("any carnal pleas".utf8))
        #expect(Base64.decode("YW55IGNhcm5hbCBwbGVhcw==") == Array("any carnal pleas".utf8))
        #expect(Base64.decode("YW55IGNhcm5hbCBwbGVhcw") == Array("any carnal pleas".utf8))
        #expect(Base64.decode("-_8") == [0xFB, 0xFF])
        #expect(Base64.decode("a") == nil)
        #expect(Base64.decode("a=b") == nil)
    }
}
