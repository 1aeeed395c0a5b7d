import Foundation

/// SQL files shipped with the adapter (`Sources/CutoverPostgres/SQL`), loaded once.
public enum SQLResources {
    /// The text of `SQL/<name>.sql`.
    public static func text(_ name: String) -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: "sql", subdirectory: "SQL")
            ?? Bundle.module.url(forResource: name, withExtension: "sql"),
            let text = try? String(contentsOf: url, encoding: .utf8) else {
            // The resource is part of the build; its absence is a packaging bug, not bad input.
            fatalError("missing SQL resource \(name).sql in the CutoverPostgres bundle")
        }
        return text
    }

    /// The files of `SQL/engine/` (`0001_base.sql`, …) by name, sorted, with their text.
    public static func engineSteps() -> [(filename: String, text: String)] {
        guard let folder = Bundle.module.resourceURL?.appendingPathComponent("SQL/engine"),
              let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else {
            fatalError("missing the engine steps (SQL/engine) in the CutoverPostgres bundle")
        }
        return names.filter { $0.hasSuffix(".sql") }.sorted().map { name in
            guard let text = try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8) else {
                fatalError("unreadable engine step \(name) in the CutoverPostgres bundle")
            }
            return (name, text)
        }
    }
}
