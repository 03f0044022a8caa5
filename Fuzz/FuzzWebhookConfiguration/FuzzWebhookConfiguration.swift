import FuzzSupport
import SFConfiguration
import SFCore
import SFWebhook

/// A pod that asks for AWS credentials, valid under every webhook configuration.
let samplePod: JSONValue = [
    "metadata": [
        "labels": [PodAnnotations.injectLabel: "true"],
        "annotations": [PodAnnotations.awsRoleArn: "arn:aws:iam::123456789012:role/reader"],
    ],
    "spec": ["containers": [["name": "app", "image": "app:1"]]],
]

/// Fuzz target for the webhook's YAML configuration parser (libyaml + validation): any input must give a
/// configuration or an error. A configuration it accepts must work: its listen address prints back to
/// itself, and its mutator injects the sample pod with a patch that survives a JSON round trip.
func fuzzOne(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    guard let configuration = try? WebhookConfigurationParser().parse(text, origin: "fuzz") else { return }
    precondition(
        ListenAddress(configuration.listen.description) == configuration.listen,
        "listen \(configuration.listen) does not print back to itself"
    )
    let mutator = PodMutator(agent: configuration.agent, nativeSidecars: configuration.nativeSidecars)
    guard case .inject(let patch, _) = mutator.decide(pod: samplePod) else {
        fatalError("an accepted webhook configuration does not inject the sample pod: \(text)")
    }
    let json = JSONValue.array(patch.map(\.json))
    precondition(
        (try? JSONValue(parsing: json.serializedBytes)) == json,
        "the patch does not survive a JSON round trip"
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
@_cdecl("FuzzWebhookConfiguration_main")
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
