import FuzzSupport
import SFCore
import SFGCP

/// Fuzz target for the value validators the agent's parser and the webhook's annotations share: IAM role
/// ARNs, AWS regions and session names, service-account emails, workload identity provider names, endpoint
/// URLs and listen addresses. Every validator sees the whole input (one cheap call each), so the corpus
/// stays plain text; a value that validates must keep the validator's invariants (checked with
/// `precondition`, so a violation is a crash the fuzzer reports).
func fuzzOne(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    checkRoleARN(text)
    _ = AWSPartition.forRegion(text)
    _ = AWSPartition.isValidRegion(text)
    _ = AWSNames.isValidSessionName(text)
    _ = WorkloadIdentityProvider.problem(text)
    checkServiceAccount(text)
    checkEndpoint(text, allowMetadataHosts: false)
    checkEndpoint(text, allowMetadataHosts: true)
    checkListenAddress(text)
}

/// A role ARN prints back to its own text, and that text parses to the same value.
func checkRoleARN(_ text: String) {
    guard let arn = IAMRoleARN(text) else { return }
    precondition(arn.description == text, "role ARN \(text) prints as \(arn.description)")
    precondition(IAMRoleARN(arn.description) == arn, "role ARN \(text) does not re-parse to itself")
    precondition(!arn.roleName.isEmpty, "role ARN \(text) has an empty role name")
}

/// A service account that validates names the account in a `generateIdToken` URL: the URL is an endpoint
/// whose path is exactly the account's resource path (no query, fragment or whitespace smuggled in).
func checkServiceAccount(_ text: String) {
    guard ServiceAccountEmail.isValid(text) else { return }
    let request = GCPSecurityTokenService.generateIdTokenRequest(
        iamEndpoint: GCPTargetConfiguration.defaultIAMEndpoint,
        serviceAccount: text,
        federatedToken: "t",
        audience: "a",
        includeEmail: true
    )
    let parsed = try? Endpoint(parsing: request.endpoint.url)
    precondition(parsed == request.endpoint, "service account \(text) yields the URL \(request.endpoint.url)")
}

/// An endpoint prints as a URL that parses back to the same endpoint, also with a path appended.
func checkEndpoint(_ text: String, allowMetadataHosts: Bool) {
    guard let endpoint = try? Endpoint(parsing: text, allowMetadataHosts: allowMetadataHosts) else { return }
    let again = try? Endpoint(parsing: endpoint.url, allowMetadataHosts: allowMetadataHosts)
    precondition(again == endpoint, "endpoint \(text) prints as \(endpoint.url), which parses differently")
    precondition(endpoint.path.hasPrefix("/"), "endpoint \(text) has the path \(endpoint.path)")
    let longer = endpoint.appendingPath("/v1/token")
    let reparsed = try? Endpoint(parsing: longer.url, allowMetadataHosts: allowMetadataHosts)
    precondition(reparsed == longer, "endpoint \(text) with a path appended prints as \(longer.url)")
}

/// A listen address prints as text that parses back to the same address.
func checkListenAddress(_ text: String) {
    guard let address = ListenAddress(text) else { return }
    precondition((1...65535).contains(address.port), "listen address \(text) has the port \(address.port)")
    precondition(
        ListenAddress(address.description) == address,
        "listen address \(text) prints as \(address.description), which parses differently"
    )
}

#if FUZZING
/// libFuzzer's per-input callback.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzOne(FuzzInput.bytes(data, size))
    return 0
}

/// The process entry point under scripts/fuzz.sh (-sanitize=fuzzer -DFUZZING): libFuzzer's driver.
@_cdecl("FuzzValidators_main")
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
