import Foundation

/// Command output shown in docs/, compared with a real run so the docs cannot drift: the block
/// after `$ <command>` in a console block, with run-specific values (durations, ports,
/// timestamps, trailing padding) normalised on both sides.
enum DocsSnippet {
    /// The text of `docs/<name>`.
    static func doc(_ name: String) throws -> String {
        try String(contentsOfFile: TestCluster.repositoryRoot + "/docs/" + name, encoding: .utf8)
    }

    /// The non-empty output lines after the first `$ <command>` line that follows `heading` in
    /// `text`, up to the next `$ ` line or the end of the code block.
    static func output(of command: String, in text: String, after heading: String = "") -> [String] {
        var lines = text.components(separatedBy: "\n")[...]
        if !heading.isEmpty, let start = lines.firstIndex(where: { $0.hasPrefix(heading) }) { lines = lines[start...] }
        guard let prompt = lines.firstIndex(where: { $0 == "$ " + command }) else { return [] }
        var out: [String] = []
        for line in lines[(prompt + 1)...] {
            if line.hasPrefix("```") || line.hasPrefix("$ ") { break }
            out.append(normalized(line))
        }
        return out.filter { !$0.isEmpty }
    }

    /// `line` without what differs between runs: `in 53 ms`, `(50 ms)`, ports, ISO timestamps,
    /// trailing spaces.
    static func normalized(_ line: String) -> String {
        var text = line
        for (pattern, replacement) in [(#"\d+ ms"#, "N ms"), (#"127\.0\.0\.1:\d+"#, "127.0.0.1:PORT"),
                                       (#"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z"#, "TIME"), (#"/[a-z_0-9]+$"#, "/DB"),
                                       (#" +"#, " ")] {
            text = text.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// The lines of a real run's `output`, normalised, keeping those `keep` accepts.
    static func lines(_ output: String, keep: (String) -> Bool = { _ in true }) -> [String] {
        output.components(separatedBy: "\n").map(normalized).filter { !$0.isEmpty && keep($0) }
    }
}
