import CutoverCore
import Foundation
import Yams

/// Reads the read views declared in `projections/<projection>/views/*.yaml` and checks what can
/// be checked without a database (``ViewCatalogCheck`` checks the SQL against one). Every problem
/// names the file and line; one broken declaration fails the whole load, so nothing is served half.
public enum ViewLoader {
    /// Every declaration under `directory` (the projections folder), sorted by route.
    public static func load(directory: String) throws -> [ViewDeclaration] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CoreError(.invalidView, "projections folder \(directory) does not exist; run from the project root or set projections.directory",
                            context: ["directory": directory])
        }
        var views: [ViewDeclaration] = []
        for projection in try fm.contentsOfDirectory(atPath: directory).sorted() where !projection.hasPrefix(".") {
            let folder = directory + "/" + projection + "/views"
            guard fm.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            for file in try fm.contentsOfDirectory(atPath: folder).sorted() where !file.hasPrefix(".") {
                let path = folder + "/" + file
                guard file.hasSuffix(".yaml") else {
                    guard file.hasSuffix(".yml") else { continue }
                    throw CoreError(.invalidView, "\(path): name view declarations *.yaml", context: ["file": path])
                }
                views.append(try loadOne(path: path, projection: projection))
            }
        }
        try checkTogether(views)
        return views.sorted { $0.route < $1.route }
    }

    /// Reads one declaration.
    public static func loadOne(path: String, projection: String) throws -> ViewDeclaration {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw CoreError(.invalidView, "\(path): missing or unreadable", context: ["file": path])
        }
        return try parse(text, file: path, projection: projection)
    }

    /// Parses a declaration's text; `file` names it in errors.
    public static func parse(_ text: String, file: String, projection: String) throws -> ViewDeclaration {
        let node: Node
        do {
            guard let parsed = try Yams.compose(yaml: text) else { throw CoreError(.invalidView, "\(file): empty file", context: ["file": file]) }
            node = parsed
        } catch let error as CoreError {
            throw error
        } catch let error as YamlError {
            throw CoreError(.invalidView, "\(file): not valid YAML: \(error)", context: ["file": file])
        }
        var parser = ViewDeclarationParser(file: file, projection: projection)
        return try parser.declaration(node)
    }

    /// What no single file shows: two views with one name or one route.
    static func checkTogether(_ views: [ViewDeclaration]) throws {
        var names: [APIView: ViewDeclaration] = [:]
        var routes: [String: ViewDeclaration] = [:]
        for view in views {
            if let other = names[view.name] {
                throw CoreError(.invalidView, "\(view.location("view")): view \(view.name.rawValue) is declared twice (also \(other.location("view")))",
                                context: ["file": view.file, "view": view.name.rawValue])
            }
            names[view.name] = view
            let shape = view.routeSegments.map { $0.hasPrefix("{") ? "{}" : String($0) }.joined(separator: "/")
            if let other = routes[shape] {
                throw CoreError(.invalidView, "\(view.location("route")): route \(view.route) is also the route of \(other.name.rawValue) (\(other.location("route")))",
                                context: ["file": view.file, "view": view.name.rawValue])
            }
            routes[shape] = view
        }
    }
}
