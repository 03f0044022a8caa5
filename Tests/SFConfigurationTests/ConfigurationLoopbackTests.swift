import SFConfiguration
import SFCore
import Testing

struct ConfigurationLoopbackTests {
    static let audience = ConfigurationEndpointsTests.audience

    static func container(_ extra: String, listen: String = "0.0.0.0:9911") -> String {
        """
        source: {tokenFile: /t}
        targets:
          - name: s3
            aws: {roleArn: "arn:aws:iam::111122223333:role/reader"}
            outputs:
              awsContainerEndpoint: {listen: "\(listen)", authTokenFile: /o/token\(extra)}
        """
    }

    @Test("gcpMetadataServer refuses allowNonLoopback, whatever its value, and says why")
    func metadataServer() {
        for value in ["true", "false"] {
            #expect(
                ConfigurationEndpointsTests.rejection(
                    """
                    source: {tokenFile: /t}
                    targets:
                      - name: gcs
                        gcp: {audience: "\(Self.audience)"}
                        outputs: {gcpMetadataServer: {listen: "127.0.0.1:8989", allowNonLoopback: \(value)}}
                    """
                ) == "configuration file c.yaml is invalid: targets[0].outputs.gcpMetadataServer.allowNonLoopback "
                    + "(line 5): allowNonLoopback is not accepted for gcpMetadataServer: the metadata emulation "
                    + "hands this "
                    + "target's access and ID tokens to any client that sends Metadata-Flavor: Google, so on a "
                    + "non-loopback address it would serve them to the whole network; remove the key and listen on a "
                    + "loopback address (127.0.0.1 or [::1])"
            )
        }
    }

    @Test("awsContainerEndpoint.allowedHosts: host names, lower-cased, only with allowNonLoopback")
    func allowedHosts() throws {
        let parsed = try ConfigurationEndpointsTests.parse(
            Self.container(
                ", allowNonLoopback: true, allowedHosts: [Skyferry.Shop.svc, 10.0.0.12, \"[fd00::12]\"]"
            )
        )
        #expect(
            parsed.targets[0].outputs.awsContainerEndpoint?.allowedHosts
                == ["skyferry.shop.svc", "10.0.0.12", "[fd00::12]"]
        )
        #expect(
            try ConfigurationEndpointsTests.parse(Self.container("", listen: "127.0.0.1:9911"))
                .targets[0].outputs.awsContainerEndpoint?.allowedHosts == []
        )
        let loopback = Self.container(", allowedHosts: [a.example]", listen: "127.0.0.1:9911")
        #expect(
            ConfigurationEndpointsTests.rejection(loopback)
                == "configuration file c.yaml is invalid: targets[0].outputs.awsContainerEndpoint.allowedHosts (line"
                + " 6): "
                + "allowedHosts applies only with allowNonLoopback: true; a loopback endpoint answers Host 127.0.0.1, "
                + "localhost, [::1] and its listen host, and no other name"
        )
        let withPort = Self.container(", allowNonLoopback: true, allowedHosts: [\"a.example:80\"]")
        #expect(
            ConfigurationEndpointsTests.rejection(withPort)
                == "configuration file c.yaml is invalid: "
                + "targets[0].outputs.awsContainerEndpoint.allowedHosts[0] (line 6): "
                + "\"a.example:80\" is not a host name (expected a name or IP address as clients write it in Host, "
                + "IPv6 in "
                + "brackets, without a port, e.g. skyferry.shop.svc or 10.0.0.12)"
        )
        let scalar = Self.container(", allowNonLoopback: true, allowedHosts: a.example")
        #expect(
            ConfigurationEndpointsTests.rejection(scalar)
                == "configuration file c.yaml is invalid: targets[0].outputs.awsContainerEndpoint.allowedHosts (line"
                + " 6): "
                + "expected a list of host names, found a scalar"
        )
    }

    @Test("health.listen must be loopback")
    func healthLoopback() {
        let base =
            "source: {tokenFile: /t}\ntargets: [{name: a, aws: {roleArn: 'arn:aws:iam::123456789012:role/r'}, "
            + "outputs: {awsCredentialsFile: {path: /x}}}]\n"
        #expect(throws: Never.self) {
            try ConfigurationParser().parse(base + "health: {listen: '127.0.0.1:8686'}\n", origin: "c")
        }
        #expect(
            ConfigurationParserTests.rejection(base + "health: {listen: '0.0.0.0:8686'}\n")
                == "configuration file c.yaml is invalid: health.listen (line 3): 0.0.0.0:8686 is not a loopback "
                + "address; "
                + "this server hands out credentials or their state and must listen on 127.0.0.1, ::1 or localhost"
        )
    }
}
