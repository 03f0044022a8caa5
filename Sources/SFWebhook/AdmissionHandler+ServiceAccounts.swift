extension AdmissionHandler {
    /// As `handle(body:)`, with the pod's ServiceAccount looked up first when the pod asks for injection.
    ///
    /// `lookup` is the only effect (a cache read, at worst one `GET` to the API server); every decision stays in
    /// `PodMutator`. Requests that are not a labelled pod's creation never call it.
    public func handle(
        body: [UInt8],
        lookup: (ServiceAccountReference) async -> ServiceAccountLookup
    ) async -> Answer {
        guard let request = try? AdmissionRequest(decoding: body), request.kind == "Pod",
            request.operation == "CREATE", let pod = request.object,
            pod["metadata"]?["labels"]?[PodAnnotations.injectLabel]?.stringValue == "true"
        else { return handle(body: body) }
        let found = await lookup(ServiceAccountReference(pod: pod, namespace: request.namespace))
        return answer(request) { mutator.decide(pod: $0, serviceAccount: found) }
    }
}
