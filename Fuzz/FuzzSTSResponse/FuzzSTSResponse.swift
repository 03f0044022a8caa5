import FuzzSupport
import FoundationEssentials
import SFAWS
import SFGCP
import SFCore

/// Fuzz target for STS responses — AWS STS XML, GCP STS and IAM Credentials JSON: any input must
/// produce a value or an error, never a crash or a hang.
func fuzzOne(_ bytes: [UInt8]) {
    let context = STSError.Context(
        roleArn: "arn:aws:iam::123456789012:role/r",
        endpoint: "https://sts",
        claims: JWTClaims()
    )
    for status in [200, 400, 503] {
        _ = try? AssumeRoleWithWebIdentity.parse(status: status, body: bytes, context: context)
        let gcp = GCPError.Context(
            audience: "//iam.googleapis.com/x",
            serviceAccount: nil,
            endpoint: "https://sts",
            subject: nil,
            issuer: nil,
            tokenAudiences: []
        )
        _ = try? GCPSecurityTokenService.parseExchange(
            status: status,
            body: bytes,
            requestStart: Date(timeIntervalSince1970: 0),
            context: gcp
        )
        _ = try? GCPSecurityTokenService.parseGenerateAccessToken(status: status, body: bytes, context: gcp)
    }
}

#if FUZZING
/// libFuzzer's per-input callback.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzOne(FuzzInput.bytes(data, size))
    return 0
}

/// The process entry point under scripts/fuzz.sh (-sanitize=fuzzer -DFUZZING): libFuzzer's driver.
@_cdecl("FuzzSTSResponse_main")
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
