import FuzzSupport
import SFConfiguration
import SFCore

/// Fuzz target for the YAML configuration parser (libyaml + validation): any input must produce a value or an error,
/// never a crash or a hang.
func fuzzOne(_ bytes: [UInt8]) {
    _ = try? ConfigurationParser().parse(String(decoding: bytes, as: UTF8.self), origin: "fuzz")
}

#if FUZZING
/// libFuzzer's per-input callback.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzOne(FuzzInput.bytes(data, size))
    return 0
}

/// The process entry point under scripts/fuzz.sh (-sanitize=fuzzer -DFUZZING): libFuzzer's driver.
@_cdecl("FuzzConfiguration_main")
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
