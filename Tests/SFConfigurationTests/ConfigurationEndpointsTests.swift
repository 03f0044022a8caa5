import Foundation
import SFConfiguration
import SFCore
import Testing

/// Local endpoint outputs (`awsContainerEndpoint`, `gcpMetadataServer`) and per-target sources.
struct ConfigurationEndpointsTests {
    static func parse(_ yaml: String) throws -> AgentConfiguration {
        try ConfigurationParser().parse(yaml, origin: "c.yaml")
    }

    static func rejection(_ yaml: String) -> String {
        do {
            return "accepted: \(try ConfigurationParser().parse(yaml, origin: "c.yaml"))"
        } catch {
            return error.description
        }
    }

    static let audience = "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/p/providers/k"

    @Test("both clouds in one agent: each target with its own projected token and endpoint")
    func bothClouds() throws {
        let configuration = try Self.parse(
            """
            source: {tokenFile: /var/run/secrets/skyferry/aws-token}
            targets:
              - name: aws
                aws: {roleArn: "arn:aws:iam::111122223333:role/reader", region: eu-west-1}
                outputs:
                  awsContainerEndpoint: {listen: "127.0.0.1:9911", authTokenFile: /var/run/skyferry/aws/auth-token, \
            authTokenFileMode: "0640"}
              - name: gcp
                source: {tokenFile: /var/run/secrets/skyferry/gcp-token}
                gcp: {audience: "\(Self.audience)"}
                outputs:
                  gcpMetadataServer: {listen: "127.0.0.1:8989", projectId: my-project}
            health: {listen: "127.0.0.1:8686"}
            """
        )
        #expect(
            configuration.targets[0].outputs
                == OutputsConfiguration(
                    awsContainerEndpoint: .init(
                        listen: ListenAddress(host: "127.0.0.1", port: 9911),
                        authTokenFile: "/var/run/skyferry/aws/auth-token",
                        authTokenFileMode: 0o640
                    )
                )
        )
        #expect(
            configuration.targets[1].outputs
                == OutputsConfiguration(
                    gcpMetadataServer: .init(
                        listen: ListenAddress(host: "127.0.0.1", port: 8989),
                        projectId: "my-project"
                    )
                )
        )
        #expect(
            configuration.source(for: configuration.targets[0])
                == .tokenFile(path: "/var/run/secrets/skyferry/aws-token")
        )
        #expect(
            configuration.source(for: configuration.targets[1])
                == .tokenFile(path: "/var/run/secrets/skyferry/gcp-token")
        )
        #expect(configuration.targets[0].outputs.kinds == [.awsContainerEndpoint])
        #expect(AWSContainerEndpointOutputConfiguration.path(target: "aws") == "/v1/credentials/aws")
    }

    @Test("a non-loopback listen address needs allowNonLoopback")
    func nonLoopback() throws {
        let yaml = """
            source: {tokenFile: /t}
            targets:
              - name: s3
                aws: {roleArn: "arn:aws:iam::111122223333:role/reader"}
                outputs:
                  awsContainerEndpoint: {listen: "0.0.0.0:9911", authTokenFile: /o/token%@}
            """
        #expect(
            Self.rejection(yaml.replacingOccurrences(of: "%@", with: "")) == """
                configuration file c.yaml is invalid: targets[0].outputs.awsContainerEndpoint.listen (line 6): \
                0.0.0.0:9911 is not a loopback address; this server hands out credentials or their state and must \
                listen on 127.0.0.1, ::1 or localhost
                """
        )
        let allowed = try Self.parse(yaml.replacingOccurrences(of: "%@", with: ", allowNonLoopback: true"))
        #expect(allowed.targets[0].outputs.awsContainerEndpoint?.listen == ListenAddress(host: "0.0.0.0", port: 9911))
    }

    @Test("AWS targets share a container endpoint; other servers need their own address")
    func sharedAddresses() throws {
        let shared = try Self.parse(
            """
            source: {tokenFile: /t}
            targets:
              - name: a
                aws: {roleArn: "arn:aws:iam::111122223333:role/a"}
                outputs: {awsContainerEndpoint: {listen: "127.0.0.1:9911", authTokenFile: /o/auth}}
              - name: b
                aws: {roleArn: "arn:aws:iam::111122223333:role/b"}
                outputs: {awsContainerEndpoint: {listen: "127.0.0.1:9911", authTokenFile: /o/auth}}
            """
        )
        #expect(shared.targets.count == 2)
        #expect(
            Self.rejection(
                """
                source: {tokenFile: /t}
                targets:
                  - name: a
                    aws: {roleArn: "arn:aws:iam::111122223333:role/a"}
                    outputs: {awsContainerEndpoint: {listen: "127.0.0.1:8686", authTokenFile: /o/auth}}
                  - name: g
                    gcp: {audience: "\(Self.audience)"}
                    outputs: {gcpMetadataServer: {listen: "127.0.0.1:8686", projectId: "1bad"}}
                health: {listen: "127.0.0.1:8686"}
                """
            ) == """
                configuration file c.yaml is invalid (2 problems):
                  - targets[1].outputs.gcpMetadataServer.projectId (line 8): expected a GCP project id (6-30 \
                lower-case letters, digits and '-', starting with a letter), found the string "1bad"
                  - targets[0].outputs.awsContainerEndpoint.listen (line 3): 127.0.0.1:8686 is also used by \
                health.listen; each server needs its own address
                """
        )
    }

    @Test("a target's own source is validated at its own key path")
    func overrideValidated() {
        #expect(
            Self.rejection(
                """
                source: {tokenFile: /t}
                targets:
                  - name: g
                    source: {aws: {region: mars-1}}
                    gcp: {audience: "\(Self.audience)"}
                    outputs: {gcpAccessTokenFile: {path: /o/token}}
                """
            ) == """
                configuration file c.yaml is invalid: targets[0].source.aws.region (line 4): "mars-1" is not an AWS \
                region name (expected e.g. us-east-1, eu-west-2, cn-north-1)
                """
        )
    }
}

struct ConfigurationIMDSListenTests {
    static let audience = ConfigurationEndpointsTests.audience

    @Test("imdsListen: aws sources only, loopback, no subject-token file")
    func imdsListen() throws {
        let configuration = try ConfigurationParser().parse(
            """
            source: {aws: {region: us-east-1}}
            targets:
              - name: gcs
                gcp: {audience: "\(Self.audience)"}
                outputs: {gcpExternalAccountFile: {path: /o/gcp.json, imdsListen: "127.0.0.1:9912"}}
            """,
            origin: "c.yaml"
        )
        #expect(
            configuration.targets[0].outputs.gcpExternalAccountFile
                == ExternalAccountFileOutputConfiguration(
                    path: "/o/gcp.json",
                    imdsListen: ListenAddress(host: "127.0.0.1", port: 9912)
                )
        )
        #expect(
            ConfigurationEndpointsTests.rejection(
                """
                source: {tokenFile: /t}
                targets:
                  - name: gcs
                    gcp: {audience: "\(Self.audience)"}
                    outputs: {gcpExternalAccountFile: {path: /o/gcp.json, imdsListen: "127.0.0.1:9912"}}
                """
            )
                == "configuration file c.yaml is invalid: targets[0].outputs.gcpExternalAccountFile.imdsListen (line"
                + " 5): imdsListen serves an aws source's credentials; this target's source is tokenFile"
        )
    }
}
