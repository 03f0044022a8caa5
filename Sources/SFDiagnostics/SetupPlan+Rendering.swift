import SFCore

extension SetupPlan {
    /// A shell script to read, then run: commands in order, documents written with here-documents.
    public var text: String {
        var out = "# Skyferry setup: \(title)\n"
        for note in notes { out += "#   \(note)\n" }
        for (index, step) in steps.enumerated() {
            switch step {
            case .command(let comment, let command):
                out += "\n# \(index + 1). \(comment)\n\(command)\n"
            case .document(let comment, let name, let content, let expands):
                out += "\n# \(index + 1). \(comment)\ncat > \(name) <<\(expands ? "EOF" : "'EOF'")\n\(content)\nEOF\n"
            }
        }
        out +=
            "\n# Skyferry configuration (skyferry agent --config skyferry.yaml):\ncat > skyferry.yaml "
            + "<<'EOF'\n\(configuration)EOF\n"
        if !labels.isEmpty {
            out += "\n# Pod labels (the webhook injects only labelled pods):\n"
            for (key, value) in labels { out += "#   \(key): \(JSONText.string(value))\n" }
        }
        if !annotations.isEmpty {
            out +=
                "\n# ServiceAccount annotations (the webhook reads them for every pod that runs as it; a pod "
                + "annotation overrides one):\n"
            for (key, value) in annotations { out += "#   \(key): \(JSONText.string(value))\n" }
        }
        if let tokenVolume {
            out += "\n# The pod's projected service-account token:\n"
            for line in tokenVolume.split(separator: "\n") { out += "#   \(line)\n" }
        }
        return out
    }

    /// `--output json`: the same plan for automation; documents are embedded as JSON values.
    public var json: String {
        let stepsJSON = steps.map { step -> String in
            switch step {
            case .command(let comment, let command):
                return JSONText.object([("comment", comment), ("command", command)])
            case .document(let comment, let name, _, _):
                return JSONText.object([("comment", comment), ("document", name)])
            }
        }
        let documentsJSON = documents.map { JSONText.string($0.name) + ":" + $0.content }
        var fields: [(String, String)] = [
            ("scenario", JSONText.string(scenario)),
            ("title", JSONText.string(title)),
            ("steps", "[" + stepsJSON.joined(separator: ",") + "]"),
            ("documents", "{" + documentsJSON.joined(separator: ",") + "}"),
            ("configuration", JSONText.string(configuration)),
            ("labels", JSONText.object(labels.map { ($0.key, $0.value) })),
            ("serviceAccountAnnotations", JSONText.object(annotations.map { ($0.key, $0.value) })),
        ]
        if let tokenVolume { fields.append(("tokenVolume", JSONText.string(tokenVolume))) }
        fields.append(("notes", "[" + notes.map(JSONText.string).joined(separator: ",") + "]"))
        return "{" + fields.map { JSONText.string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}\n"
    }
}
