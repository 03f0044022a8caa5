/// `agent`: the injected container.
public struct AgentContainerConfiguration: Sendable, Equatable {
    /// Small: the agent idles between refreshes (measured RSS is in the README).
    public static let defaultResources: JSONValue = [
        "requests": ["cpu": "10m", "memory": "16Mi"],
        "limits": ["memory": "64Mi"],
    ]

    public var image: String
    /// The container's `resources`, as written in the file (quantities as strings).
    public var resources: JSONValue

    public init(image: String, resources: JSONValue = Self.defaultResources) {
        self.image = image
        self.resources = resources
    }
}
