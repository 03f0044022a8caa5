/// Turns one `POST /mutate` body into the HTTP answer. Pure, so the HTTPS route stays a thin shell.
public struct AdmissionHandler: Sendable {
    /// Kubernetes objects are at most ~1.5 MiB (etcd's limit); a review carries the object, and for
    /// updates the old object too. Larger bodies are refused before they are read in full.
    public static let maximumBodyBytes = 4 * 1024 * 1024

    public var mutator: PodMutator

    public init(mutator: PodMutator) {
        self.mutator = mutator
    }

    public struct Answer: Sendable, Equatable {
        public var status: Int
        /// JSON for 200, a plain-text message for 400.
        public var body: String
        public var result: AdmissionOutcome
        /// The request uid, when the body had one.
        public var uid: String?
        /// Why the pod was skipped or denied (for the log; never holds tokens).
        public var reason: String?
    }

    public func handle(body: [UInt8]) -> Answer {
        let request: AdmissionRequest
        do {
            request = try AdmissionRequest(decoding: body)
        } catch {
            return Answer(
                status: 400,
                body: error.description + "\n",
                result: .invalid,
                uid: nil,
                reason: error.description
            )
        }
        return answer(request) { mutator.decide(pod: $0) }
    }

    /// The answer to a decoded request, `decide` choosing what happens to a created pod.
    func answer(_ request: AdmissionRequest, decide: (JSONValue) -> InjectionDecision) -> Answer {
        let response: AdmissionResponse
        let result: AdmissionOutcome
        let reason: String?
        if request.kind != "Pod" || request.operation != "CREATE" {
            (response, result, reason) = (
                AdmissionResponse(uid: request.uid, allowed: true), .skipped,
                "\(request.operation) \(request.kind) is not a pod creation"
            )
        } else if let pod = request.object {
            switch decide(pod) {
            case .skip(let why):
                (response, result, reason) = (AdmissionResponse(uid: request.uid, allowed: true), .skipped, why)
            case .deny(let message):
                (response, result, reason) = (
                    AdmissionResponse(uid: request.uid, allowed: false, message: message), .denied, message
                )
            case .inject(let patch, let warnings) where patch.isEmpty:
                // Nothing to add (the pod's only cloud is injected by another webhook): admitted as is, with why.
                (response, result, reason) = (
                    AdmissionResponse(uid: request.uid, allowed: true, warnings: warnings), .skipped,
                    warnings.joined(separator: "; ")
                )
            case .inject(let patch, let warnings):
                (response, result, reason) = (
                    AdmissionResponse(uid: request.uid, allowed: true, patch: patch, warnings: warnings), .injected, nil
                )
            }
        } else {
            let error = AdmissionDecodingError.field("request.object", "a pod CREATE must carry the pod")
            return Answer(
                status: 400,
                body: error.description + "\n",
                result: .invalid,
                uid: request.uid,
                reason: error.description
            )
        }
        return Answer(
            status: 200,
            body: response.reviewJSON.serialized,
            result: result,
            uid: request.uid,
            reason: reason
        )
    }
}
