import FoundationEssentials
import FuzzSupport
import SFAWS
import SFCore
import SFGCP

let context = GCPError.Context(
    audience: "//iam.googleapis.com/x",
    serviceAccount: "r@p.iam.gserviceaccount.com",
    endpoint: "https://iamcredentials",
    subject: nil,
    issuer: nil,
    tokenAudiences: []
)

/// Fuzz target for the credential documents peers answer with — IAM Credentials `generateIdToken`, the
/// container-credentials / IMDS `security-credentials` JSON, the `credential-process` cache file — and the timestamps
/// in them (RFC 3339, HTTP
/// dates). Each parser sees the whole input, so the corpus stays plain JSON and text. Any input must give a
/// value or an error; a value must keep the parser's promises (checked with `precondition`).
func fuzzOne(_ bytes: [UInt8]) {
    for status in [200, 403] {
        if let token = try? GCPSecurityTokenService.parseGenerateIdToken(
            status: status,
            body: bytes,
            context: context
        ) {
            precondition(
                token.split(separator: ".", omittingEmptySubsequences: false).count == 3,
                "generateIdToken gave a token that is not three dot-separated parts"
            )
        }
    }
    for provider in ["container credentials", "EC2 instance metadata"] {
        if let credentials = try? AWSCredentialChain.decodeCredentials(bytes, provider: provider) {
            precondition(
                !credentials.accessKeyID.isEmpty && !credentials.secretAccessKey.isEmpty,
                "\(provider) credentials without a key"
            )
        }
    }
    if let entry = CredentialCacheEntry.decode(bytes) {
        precondition(entry.isWellFormed, "a credential-process cache entry that is not well formed was accepted")
        let again = CredentialCacheEntry.decode(Array((try? JSONEncoder().encode(entry)) ?? Data()))
        precondition(again == entry, "a credential-process cache entry does not survive writing and reading back")
    }
    let text = String(decoding: bytes, as: UTF8.self)
    checkISO8601(text)
    _ = Timestamp.parseHTTPDate(text)
}

/// A parsed RFC 3339 time prints (whole seconds, UTC) as text that parses back to it, rounded down.
func checkISO8601(_ text: String) {
    guard let date = Timestamp.parseISO8601(text) else { return }
    let seconds = date.timeIntervalSince1970.rounded(.down)
    // Four-digit years only: an offset can move 0000-01-01 or 9999-12-31 across the edge of the format.
    guard (0...9999).contains(Timestamp.civil(date).year) else { return }
    let printed = Timestamp.formatISO8601(date)
    precondition(
        Timestamp.parseISO8601(printed) == Date(timeIntervalSince1970: seconds),
        "\(text) prints as \(printed), which parses to another time"
    )
    _ = Timestamp.formatISO8601Milliseconds(date)
    _ = Timestamp.formatAMZDate(date)
}

#if FUZZING
/// libFuzzer's per-input callback.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzOne(FuzzInput.bytes(data, size))
    return 0
}

/// The process entry point under scripts/fuzz.sh (-sanitize=fuzzer -DFUZZING): libFuzzer's driver.
@_cdecl("FuzzCredentialDocuments_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc: argc, argv: argv, fuzzerTestOneInput)
}
#else
/// Without libFuzzer the target replays corpus files given as arguments (a regression run).
@main
struct Replay {
    static func main() { FuzzInput.replay(fuzzOne) }
}
#endif
