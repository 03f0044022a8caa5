import FuzzSupport
import SFWebhook

/// The mutator every decoded review is run through, as the webhook would.
let handler = AdmissionHandler(
    mutator: PodMutator(agent: AgentContainerConfiguration(image: "fuzz.example/skyferry:0"), nativeSidecars: true)
)

/// Fuzz target for the AdmissionReview decoder (and the JSON parser, the annotation checks and the
/// mutator behind it): any body must produce a 200 or a 400, never a crash or a hang. A parsed JSON
/// value must serialize to text that parses back to the same value.
func fuzzOne(_ bytes: [UInt8]) {
    if let value = try? JSONValue(parsing: bytes) {
        let again = try? JSONValue(parsing: Array(value.serialized.utf8))
        precondition(again == value, "JSON round trip changed the value")
    }
    let answer = handler.handle(body: bytes)
    precondition(answer.status == 200 || answer.status == 400)
}

#if FUZZING
/// libFuzzer's per-input callback.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzOne(FuzzInput.bytes(data, size))
    return 0
}

/// The process entry point under scripts/fuzz.sh (-sanitize=fuzzer -DFUZZING): libFuzzer's driver.
@_cdecl("FuzzAdmissionReview_main")
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
