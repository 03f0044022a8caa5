import FoundationEssentials
import FuzzSupport
import SFConfiguration
import SFCore
import SFWebhook

let agent = AgentContainerConfiguration(image: "fuzz.example/skyferry:0")
/// With native sidecars (Kubernetes 1.29+), and without: an init container plus a sidecar, two configurations.
let handler = AdmissionHandler(mutator: PodMutator(agent: agent, nativeSidecars: true))
let legacyHandler = AdmissionHandler(mutator: PodMutator(agent: agent, nativeSidecars: false))

/// The request annotations, each with valid examples the fuzzer edits (`FuzzBytes.edited`).
let annotationExamples: [(key: String, examples: [String])] = [
    (
        PodAnnotations.awsRoleArn,
        [
            "arn:aws:iam::123456789012:role/reader", "arn:aws-cn:iam::123456789012:role/path/to/reader",
            "arn:aws-us-gov:iam::123456789012:role/a+b=c,d.e@f-g_h",
        ]
    ),
    (PodAnnotations.awsRegion, ["us-east-1", "cn-north-1", "us-gov-west-1", "eu-isoe-west-1"]),
    (
        PodAnnotations.gcpAudience,
        [
            "//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/pool/providers/provider",
            "https://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q",
            "//iam.googleapis.com/locations/global/workforcePools/pool/providers/provider",
        ]
    ),
    (PodAnnotations.gcpServiceAccount, ["reader@my-project.iam.gserviceaccount.com"]),
    (PodAnnotations.tokenAudience, ["sts.amazonaws.com", "skyferry"]),
    (PodAnnotations.tokenExpiration, ["3600", "600", "604800"]),
    (PodAnnotations.skipContainers, ["istio-proxy", "istio-proxy,log-shipper"]),
    (PodAnnotations.mode, ["sidecar", "init-only"]),
]

/// Property target: every pod the webhook admits with an injection carries an agent configuration that
/// the agent's own `ConfigurationParser` accepts, naming the role and provider the pod asked for.
///
/// Input: a byte whose bits say which `skyferry.dev/*` annotations the pod has, a byte of options (native
/// sidecars, a second container, fsGroup), then each present annotation's value as an edit of a valid
/// example. The pod goes through the real admission path: an AdmissionReview body into `AdmissionHandler`,
/// the base64 JSON Patch out of its answer, each `SKYFERRY_CONFIG_YAML` in the patch into the agent's parser.
func fuzzOne(_ bytes: [UInt8]) {
    var input = FuzzBytes(bytes)
    let present = input.byte()
    let options = input.byte()
    var annotations: [(String, JSONValue)] = []
    var asked: [String: String] = [:]
    for (bit, annotation) in annotationExamples.enumerated() where present & (1 << bit) != 0 {
        let value = input.edited(annotation.examples)
        annotations.append((annotation.key, .string(value)))
        asked[annotation.key] = value
    }
    var containers: [JSONValue] = [["name": "app", "image": "app:1"]]
    if options & 2 != 0 { containers.append(["name": "istio-proxy", "image": "istio/proxyv2:1"]) }
    var spec: [(String, JSONValue)] = [("containers", .array(containers))]
    if options & 4 != 0 { spec.append(("securityContext", ["fsGroup": .integer(1000)])) }
    let pod: JSONValue = [
        "apiVersion": "v1", "kind": "Pod",
        "metadata": [
            "name": "fuzz", "labels": [PodAnnotations.injectLabel: "true"], "annotations": .object(annotations),
        ],
        "spec": .object(spec),
    ]
    let review: JSONValue = [
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": [
            "uid": "fuzz", "kind": ["kind": "Pod"], "operation": "CREATE", "namespace": "default", "object": pod,
        ],
    ]
    let answer = (options & 1 != 0 ? handler : legacyHandler).handle(body: review.serializedBytes)
    precondition(answer.status == 200, "a well-formed review was refused: \(answer.body)")
    guard answer.result == .injected else { return }
    for yaml in agentConfigurations(in: answer.body) {
        let configuration: AgentConfiguration
        do {
            configuration = try ConfigurationParser().parse(yaml, origin: "SKYFERRY_CONFIG_YAML")
        } catch {
            fatalError(
                "the webhook admitted a pod with annotations \(visible(asked)) "
                    + "but the agent rejects its configuration: \(error)"
            )
        }
        check(configuration, matches: asked)
    }
}

/// The annotations as `key="value"` with every scalar outside printable ASCII as `\u{XX}`, so that a
/// crash report shows the character that made the difference.
func visible(_ annotations: [String: String]) -> String {
    annotations.sorted { $0.key < $1.key }.map { key, value in
        let escaped = value.unicodeScalars.map {
            (0x20...0x7E).contains($0.value) && $0 != "\\" && $0 != "\""
                ? String($0) : "\\u{\(String($0.value, radix: 16, uppercase: true))}"
        }.joined()
        return "\(key)=\"\(escaped)\""
    }.joined(separator: ", ")
}

/// The `SKYFERRY_CONFIG_YAML` values in the answer's patch; an injection has at least one.
func agentConfigurations(in body: String) -> [String] {
    guard let review = try? JSONValue(parsing: Array(body.utf8)),
        let encoded = review["response"]?["patch"]?.stringValue, let data = Data(base64Encoded: encoded),
        let patch = try? JSONValue(parsing: Array(data))
    else { fatalError("an injection answer without a readable patch: \(body)") }
    var found: [String] = []
    func walk(_ value: JSONValue) {
        if value["name"]?.stringValue == "SKYFERRY_CONFIG_YAML", let yaml = value["value"]?.stringValue {
            found.append(yaml)
        }
        for child in value.arrayValue ?? value.objectValue?.map(\.1) ?? [] { walk(child) }
    }
    walk(patch)
    precondition(!found.isEmpty, "an injection patch without SKYFERRY_CONFIG_YAML")
    return found
}

/// The agent gets the role and the provider the pod named, verbatim.
func check(_ configuration: AgentConfiguration, matches asked: [String: String]) {
    for target in configuration.targets {
        switch target.provider {
        case .aws(let aws):
            precondition(
                aws.roleArn == asked[PodAnnotations.awsRoleArn],
                "role \(aws.roleArn) is not the pod's \(asked)"
            )
        case .gcp(let gcp):
            precondition(
                gcp.audience == asked[PodAnnotations.gcpAudience],
                "audience \(gcp.audience) is not the pod's \(asked)"
            )
            precondition(
                gcp.serviceAccount == asked[PodAnnotations.gcpServiceAccount],
                "service account \(gcp.serviceAccount ?? "none") is not the pod's \(asked)"
            )
        case .azure:
            preconditionFailure("an Azure target, which no pod annotation asks for yet: \(asked)")
        }
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
@_cdecl("FuzzPodToAgentConfiguration_main")
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
