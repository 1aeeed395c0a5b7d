import CutoverCore
import Foundation
import Yams

/// Reads `projections/<name>/{projection.yaml, table.sql, recompute.sql}` and validates them.
/// Source tables are not checked here (any schema of the target database may hold them):
/// ``ProjectionCatalogCheck`` checks them against the database.
public enum ProjectionLoader {
    /// Loads every projection folder in `directory`, sorted by name.
    public static func load(directory: String, knownTables: Set<String> = []) throws -> [ProjectionDefinition] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CoreError(.invalidProjection, "projections folder \(directory) does not exist; run from the project root or set projections.directory",
                            context: ["directory": directory])
        }
        var result: [ProjectionDefinition] = []
        for name in try fm.contentsOfDirectory(atPath: directory).sorted() where !name.hasPrefix(".") {
            let folder = directory + "/" + name
            guard fm.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            result.append(try loadOne(folder: folder, knownTables: knownTables))
        }
        let validator = ProjectionValidator(knownTables: knownTables, directory: directory)
        for p in result { try validator.validate(p) }
        return result
    }

    /// Loads one folder; errors name its files by the folder's path as given.
    public static func loadOne(folder: String, knownTables: Set<String> = []) throws -> ProjectionDefinition {
        let folderName = (folder as NSString).lastPathComponent
        func fail(_ file: String, _ why: String) -> CoreError {
            CoreError(.invalidProjection, "\(folder)/\(file): \(why)", context: ["projection": folderName, "file": file])
        }
        func read(_ file: String) throws -> String {
            guard let data = FileManager.default.contents(atPath: folder + "/" + file), let text = String(data: data, encoding: .utf8) else {
                throw fail(file, "missing or unreadable (a projection folder holds projection.yaml, table.sql and recompute.sql)")
            }
            return text
        }
        func optionalView() throws -> String? {
            guard FileManager.default.fileExists(atPath: folder + "/view.sql") else { return nil }
            let text = try read("view.sql").trimmingSemicolonAndWhitespace()
            guard text.contains("{{table}}") else { throw fail("view.sql", "must select from {{table}} (the live read table)") }
            return text
        }
        let yamlText = try read("projection.yaml")
        let node: Node
        do {
            guard let parsed = try Yams.compose(yaml: yamlText) else { throw fail("projection.yaml", "empty file") }
            node = parsed
        } catch let error as CoreError {
            throw error
        } catch {
            throw fail("projection.yaml", "not valid YAML: \(error)")
        }
        guard let map = node.mapping else { throw fail("projection.yaml", "the top level must be a mapping") }
        let allowed: Set<String> = ["name", "version", "description", "key", "primaryKey", "sources", "minIntervalMs"]
        for (k, _) in map {
            guard let key = k.string, allowed.contains(key) else {
                throw fail("projection.yaml", "line \(k.mark?.line ?? 0): unknown key \(k.string ?? "?"); known: \(allowed.sorted().joined(separator: ", "))")
            }
        }
        guard let name = map["name"]?.string else { throw fail("projection.yaml", "name is required") }
        guard name == folderName else { throw fail("projection.yaml", "name \(name) must equal the folder name \(folderName)") }
        guard let version = map["version"]?.int else { throw fail("projection.yaml", "version (an integer) is required") }
        guard let key = map["key"]?.mapping, let keyColumn = key["column"]?.string else {
            throw fail("projection.yaml", "key.column is required")
        }
        guard let keyTypeText = key["type"]?.string, let keyType = ProjectionDefinition.KeyType(rawValue: keyTypeText) else {
            throw fail("projection.yaml", "key.type must be one of \(ProjectionDefinition.KeyType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let allKeys = key["all"]?.string else { throw fail("projection.yaml", "key.all (a query returning every key) is required") }
        var minInterval = 0
        if let node = map["minIntervalMs"] {
            guard let value = node.int, (0...60_000).contains(value) else {
                throw fail("projection.yaml", "line \(node.mark?.line ?? 0): minIntervalMs must be an integer from 0 to 60000 (milliseconds)")
            }
            minInterval = value
        }
        let primaryKey = map["primaryKey"]?.sequence?.compactMap(\.string) ?? [keyColumn]
        guard let sourceNodes = map["sources"]?.sequence else { throw fail("projection.yaml", "sources (a list) is required") }
        var sources: [ProjectionDefinition.Source] = []
        for (i, s) in sourceNodes.enumerated() {
            guard let sm = s.mapping, let table = sm["table"]?.string else {
                throw fail("projection.yaml", "sources[\(i)]: table is required")
            }
            if let column = sm["column"]?.string {
                sources.append(.init(table: table, mapping: .column(column)))
            } else if let parameter = sm["param"]?.string, let query = sm["query"]?.string {
                sources.append(.init(table: table, mapping: .query(parameter: parameter, sql: query.trimmingWhitespace())))
            } else {
                throw fail("projection.yaml", "sources[\(i)] (\(table)): give either column: or param: and query:")
            }
        }
        return ProjectionDefinition(name: name, version: version, description: map["description"]?.string ?? "",
                                    keyColumn: keyColumn, keyType: keyType, allKeysSQL: allKeys.trimmingWhitespace(),
                                    primaryKey: primaryKey, sources: sources, tableSQL: try read("table.sql"),
                                    recomputeSQL: try read("recompute.sql").trimmingSemicolonAndWhitespace(),
                                    minIntervalMilliseconds: minInterval,
                                    viewSQL: try optionalView())
    }
}
