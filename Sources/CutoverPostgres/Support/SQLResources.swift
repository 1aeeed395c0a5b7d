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

    /// The text of engine step `SQL/engine/<name>.sql`.
    public static func engineStep(_ name: String) -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: "sql", subdirectory: "SQL/engine"),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            fatalError("missing engine step \(name).sql in the CutoverPostgres bundle")
        }
        return text
    }
}
