import Foundation
import SFConfiguration
import SFCore
import SFWebhook
import Testing

/// Every YAML block in the README and under `docs/` is exercised, so the documentation cannot drift:
/// agent and webhook configurations are parsed by Skyferry's own parsers, and Kubernetes snippets must
/// stand, line for line, in a manifest that `scripts/check-deploy.sh` validates. (Command lines are
/// checked against the binary by `Tests/e2e/test_docs.py`.)
struct DocumentationExamplesTests {
    /// The repository root, from this file's path (`Tests/SFWebhookTests/…`).
    static let root: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    struct Block: CustomStringConvertible {
        let file: String
        let line: Int
        let language: String
        let text: String
        var description: String { "\(file):\(line) (```\(language))" }
    }

    static func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: root + "/" + path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The Markdown pages the README links to, and the README itself.
    static func pages() throws -> [String] {
        var pages = ["README.md", "manifests/vm/README.md"]
        let docs = root + "/docs"
        let enumerator = FileManager.default.enumerator(atPath: docs)
        while let entry = enumerator?.nextObject() as? String {
            if entry.hasSuffix(".md") { pages.append("docs/" + entry) }
        }
        return pages.sorted()
    }

    /// Fenced code blocks of a Markdown page.
    static func blocks(in page: String) -> [Block] {
        guard let text = read(page) else { return [] }
        var blocks: [Block] = []
        var open: (line: Int, language: String, lines: [Substring])?
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("```") {
                if let current = open {
                    blocks.append(
                        Block(
                            file: page,
                            line: current.line,
                            language: current.language,
                            text: current.lines.joined(separator: "\n")
                        )
                    )
                    open = nil
                } else {
                    open = (index + 1, String(line.dropFirst(3)), [])
                }
            } else if open != nil {
                open?.lines.append(line)
            }
        }
        return blocks
    }

    static var yamlBlocks: [Block] {
        get throws { try pages().flatMap(blocks(in:)).filter { $0.language == "yaml" } }
    }

    /// Every file under `manifests/` (validated by `scripts/check-deploy.sh`), as lines.
    static let manifests: [[Substring]] = {
        var files: [[Substring]] = []
        let enumerator = FileManager.default.enumerator(atPath: root + "/manifests")
        while let entry = enumerator?.nextObject() as? String {
            guard entry.hasSuffix(".yaml"), let text = read("manifests/" + entry) else { continue }
            files.append(text.split(separator: "\n", omittingEmptySubsequences: false))
        }
        return files
    }()

    static func standsInAManifest(_ snippet: String) -> Bool {
        let lines = snippet.split(separator: "\n", omittingEmptySubsequences: false)
        return manifests.contains { file in
            guard file.count >= lines.count else { return false }
            return (0...(file.count - lines.count)).contains { start in
                zip(file[start..<(start + lines.count)], lines).allSatisfy { $0 == $1 }
            }
        }
    }

    static func topLevelKeys(_ text: String) -> Set<String> {
        Set(
            text.split(separator: "\n").compactMap { line -> String? in
                guard let first = line.first, first != " ", first != "#", let colon = line.firstIndex(of: ":") else {
                    return nil
                }
                return String(line[..<colon])
            }
        )
    }

    @Test("the documentation has YAML blocks to check")
    func documentationHasBlocks() throws {
        #expect(try Self.yamlBlocks.count >= 8)
    }

    @Test("every YAML block is a configuration the parsers accept or a snippet of a validated manifest")
    func everyYAMLBlockIsExercised() throws {
        for block in try Self.yamlBlocks {
            let keys = Self.topLevelKeys(block.text)
            if block.text.first == " " || keys.contains("apiVersion") {
                #expect(Self.standsInAManifest(block.text), "\(block): not found line for line in manifests/")
            } else if keys.contains("targets") {
                do {
                    _ = try ConfigurationParser().parse(block.text, origin: block.description)
                } catch {
                    Issue.record("\(block): the agent's parser rejects it: \(error)")
                }
            } else if keys.contains("tls") {
                do {
                    _ = try WebhookConfigurationParser().parse(block.text, origin: block.description)
                } catch {
                    Issue.record("\(block): the webhook's parser rejects it: \(error)")
                }
            } else {
                Issue.record("\(block): neither an agent or webhook configuration nor a manifest snippet")
            }
        }
    }

    @Test("the VM configurations under manifests/vm parse")
    func vmConfigurationsParse() throws {
        for name in ["gce-to-aws.yaml", "ec2-to-gcp.yaml", "azure-to-aws.yaml"] {
            let text = try #require(Self.read("manifests/vm/" + name))
            _ = try ConfigurationParser().parse(text, origin: name)
        }
    }

    @Test("every page under docs/ is reached from the README")
    func everyPageIsLinked() throws {
        let readme = try #require(Self.read("README.md"))
        for page in try Self.pages() where page.hasPrefix("docs/") {
            #expect(readme.contains("(\(page))"), "README.md does not link \(page)")
        }
    }

    @Test("relative links between pages resolve")
    func relativeLinksResolve() throws {
        for page in try Self.pages() {
            let text = try #require(Self.read(page))
            let directory = page.split(separator: "/").dropLast().joined(separator: "/")
            var rest = Substring(text)
            while let open = rest.range(of: "](") {
                rest = rest[open.upperBound...]
                guard let close = rest.firstIndex(of: ")") else { break }
                let target = String(rest[..<close]).split(separator: "#").first.map(String.init) ?? ""
                rest = rest[close...]
                if target.isEmpty || target.contains("://") { continue }
                var parts = directory.isEmpty ? [] : directory.split(separator: "/").map(String.init)
                for part in target.split(separator: "/") {
                    if part == ".." { _ = parts.popLast() } else if part != "." { parts.append(String(part)) }
                }
                let resolved = parts.joined(separator: "/")
                #expect(
                    FileManager.default.fileExists(atPath: Self.root + "/" + resolved),
                    "\(page): link \(target) → \(resolved) does not exist"
                )
            }
        }
    }
}
