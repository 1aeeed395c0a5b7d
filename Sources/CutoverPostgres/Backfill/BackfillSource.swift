import CutoverCore
import Foundation

/// Reads backfill definitions from `<migrations>/backfills/*.sql`. The migrator reads only the
/// `V*.sql` files directly in the migrations folder, so the subfolder never runs as a migration.
public enum BackfillSource {
    /// The folder of definitions for a migrations folder.
    public static func directory(migrations: String) -> String {
        (migrations as NSString).appendingPathComponent("backfills")
    }

    /// The names of the definitions in the folder (empty when there is none), sorted.
    public static func names(migrations: String) throws -> [String] {
        let dir = directory(migrations: migrations)
        guard FileManager.default.fileExists(atPath: dir) else { return [] }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".sql") }.map { String($0.dropLast(4)) }.sorted()
        } catch {
            throw DatabaseError(.backfillsFolderUnreadable, "cannot read \(dir): \(error.localizedDescription)", context: ["directory": dir])
        }
    }

    /// Loads and validates one definition; ``CoreError/Code/unknownBackfill`` lists the known names.
    public static func load(_ name: String, migrations: String) throws -> BackfillDefinition {
        let known = try names(migrations: migrations)
        guard known.contains(name) else {
            let list = known.isEmpty ? "there are none in \(directory(migrations: migrations))" : "known: \(known.joined(separator: ", "))"
            throw CoreError(.unknownBackfill, "unknown backfill \"\(name)\"; \(list)", context: ["backfill": name])
        }
        let path = (directory(migrations: migrations) as NSString).appendingPathComponent(name + ".sql")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatabaseError(.backfillsFolderUnreadable, "cannot read \(path)", context: ["file": path])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CoreError(.invalidBackfillDirective, "\(name).sql: not valid UTF-8 text", context: ["file": name + ".sql"])
        }
        return try BackfillDefinition(filename: name + ".sql", content: text)
    }
}
