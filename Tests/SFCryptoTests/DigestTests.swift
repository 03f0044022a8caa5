import SFCrypto
import Testing

struct DigestTests {
    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    @Test("SHA-256 of the empty string (the SigV4 empty-payload hash)")
    func sha256Empty() {
        #expect(
            Self.hex(Digest.sha256([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
    }

    @Test("SHA-256 of abc (FIPS 180-2)")
    func sha256ABC() {
        #expect(
            Self.hex(Digest.sha256(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        )
    }

    @Test("HMAC-SHA256, RFC 4231 test case 2")
    func hmacRFC4231() {
        let mac = Digest.hmacSHA256(key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8))
        #expect(Self.hex(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("constant-time comparison")
    func constantTime() {
        #expect(Digest.constantTimeEquals(Array("abc".utf8), Array("abc".utf8)))
        #expect(!Digest.constantTimeEquals(Array("abc".utf8), Array("abd".utf8)))
        #expect(!Digest.constantTimeEquals(Array("abc".utf8), Array("ab".utf8)))
    }

    @Test("random bytes differ between calls")
    func random() {
        #expect(SecureRandom.bytes(32) != SecureRandom.bytes(32))
        #expect(SecureRandom.bytes(16).count == 16)
    }
}
