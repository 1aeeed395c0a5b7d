import CutoverCore
import Foundation

/// Reads the migration folder from disk.
public enum MigrationSource {
    /// Loads and parses every `*.sql` file directly in `directory` (not the `templates/` subfolder).
    public static func load(directory: String) throws -> MigrationCatalog {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatabaseError(.migrationsFolderMissing,
                                "migrations folder \(directory) does not exist; run from the project root or set migrations.directory",
                                context: ["directory": directory])
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }.sorted()
        var sources: [(filename: String, content: String)] = []
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw DatabaseError(.migrationsFolderMissing, "cannot read \(path)", context: ["file": path])
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw CoreError(.malformedMigrationHeader, "\(name): not valid UTF-8 text", context: ["file": name])
            }
            sources.append((name, text))
        }
        return try MigrationCatalog(sources: sources)
    }
}
