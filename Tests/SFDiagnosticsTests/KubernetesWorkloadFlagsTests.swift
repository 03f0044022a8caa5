import SFCore
import SFDiagnostics
import Testing

struct KubernetesWorkloadFlagsTests {
    static func workload(
        issuer: String? = nil,
        eksCluster: String? = nil,
        eksRegion: String? = nil,
        gkeCluster: String? = nil,
        namespace: String? = "shop",
        serviceAccount: String? = "api"
    ) throws(SetupFlagError) -> KubernetesWorkload {
        try KubernetesWorkload.fromFlags(
            issuer: issuer,
            eksCluster: eksCluster,
            eksRegion: eksRegion,
            gkeCluster: gkeCluster,
            namespace: namespace,
            serviceAccount: serviceAccount
        )
    }

    @Test("each kind of cluster, the issuer URL without its trailing slash")
    func clusters() throws {
        #expect(
            try Self.workload(issuer: "https://oidc.example/c/")
                == KubernetesWorkload(
                    issuer: .url("https://oidc.example/c"),
                    namespace: "shop",
                    serviceAccount: "api"
                )
        )
        #expect(
            try Self.workload(eksCluster: "prod", eksRegion: "eu-west-1").issuer
                == .eks(name: "prod", region: "eu-west-1")
        )
        #expect(
            try Self.workload(gkeCluster: "projects/p/locations/europe-west1/clusters/main").issuer
                == .gke(resource: "projects/p/locations/europe-west1/clusters/main")
        )
    }

    @Test(
        "usage errors name the flag and what it needs",
        arguments: [
            (nil, nil, nil, nil, "give exactly one of --issuer, --eks-cluster, --gke-cluster"),
            ("https://a", "prod", nil, nil, "give exactly one of --issuer, --eks-cluster, --gke-cluster"),
            ("http://a", nil, nil, nil, "--issuer http://a: an OIDC issuer is an https:// URL"),
            (nil, "prod", nil, nil, "--eks-cluster needs --eks-region"),
            (
                nil, nil, nil, "main",
                "--gke-cluster main: expected projects/PROJECT/locations/LOCATION/clusters/CLUSTER"
            ),
            (
                nil, nil, nil, "projects//locations/l/clusters/c",
                "--gke-cluster projects//locations/l/clusters/c: expected "
                    + "projects/PROJECT/locations/LOCATION/clusters/CLUSTER"
            ),
        ] as [(String?, String?, String?, String?, String)]
    )
    func usage(issuer: String?, eksCluster: String?, eksRegion: String?, gkeCluster: String?, message: String) {
        #expect(throws: SetupFlagError.usage(message)) {
            try Self.workload(issuer: issuer, eksCluster: eksCluster, eksRegion: eksRegion, gkeCluster: gkeCluster)
        }
    }

    @Test("a missing namespace or service account is a usage error")
    func missing() {
        #expect(throws: SetupFlagError.usage("--namespace and --service-account are required with a cluster")) {
            try Self.workload(issuer: "https://a", namespace: nil)
        }
    }

    @Test("names Kubernetes refuses are invalid values, quoted, before any other check of the cluster flags")
    func hostileNames() {
        let problem = KubernetesName.labelProblem("x;touch /tmp/p") ?? ""
        #expect(
            throws: SetupFlagError.invalidValue(
                #"--namespace "x;touch /tmp/p" "# + problem + ", as Kubernetes requires of a namespace"
            )
        ) {
            try Self.workload(issuer: "http://not-checked-yet", namespace: "x;touch /tmp/p")
        }
        do {
            _ = try Self.workload(issuer: "https://a", serviceAccount: "api'; id; '")
            Issue.record("a hostile service account name was accepted")
        } catch {
            guard case .invalidValue(let message) = error else {
                Issue.record("expected invalidValue: \(error)")
                return
            }
            #expect(message.hasPrefix(#"--service-account "api'; id; '" must be a DNS-1123 subdomain"#))
            #expect(message.hasSuffix("as Kubernetes requires of a service account name"))
        }
    }
}
