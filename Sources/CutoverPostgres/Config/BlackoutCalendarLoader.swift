import CutoverCore
import Foundation
import Yams

/// Reads `config/blackouts.yaml` into a ``BlackoutCalendar``.
public enum BlackoutCalendarLoader {
    /// Loads the calendar at `path` (the value of `migrations.blackouts`). Fails closed: only the
    /// value `none` means no blackouts; a missing, unreadable or broken file is an error
    /// (`malformedCalendar`, exit 78) naming the path, and for a broken one the line and the
    /// valid values.
    public static func load(path: String) throws -> BlackoutCalendar {
        if path == ConfigSchema.noBlackouts { return .none }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else {
            let absolute = path.hasPrefix("/") ? "" : " (looked for \(FileManager.default.currentDirectoryPath)/\(path))"
            throw CoreError(.malformedCalendar,
                            "blackout calendar \(path) \(isFolder.boolValue ? "is a folder" : "does not exist")\(absolute); migrations.blackouts must name a readable calendar, or be none to run without blackouts",
                            context: ["file": path])
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw CoreError(.malformedCalendar, "\(path): cannot read the file as UTF-8 text", context: ["file": path])
        }
        return try parse(text, source: path)
    }

    /// Parses calendar YAML text.
    public static func parse(_ text: String, source: String) throws -> BlackoutCalendar {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw CoreError(.malformedCalendar, "\(source): not valid YAML: \(error)", context: ["file": source])
        }
        guard let root else { return .none }
        guard let top = root.mapping else {
            throw CoreError(.malformedCalendar, "\(source): the top level must be a mapping with timezone: and periods:", context: ["file": source])
        }
        for key in top.keys.compactMap(\.string) where !["timezone", "periods"].contains(key) {
            throw CoreError(.malformedCalendar, "\(source): unknown key \"\(key)\"; valid: timezone, periods", context: ["file": source])
        }
        let zone = top["timezone"]?.string
        guard let list = top["periods"] else { return try BlackoutCalendar(timeZone: zone, periods: [], source: source) }
        guard let items = list.sequence else {
            throw CoreError(.malformedCalendar, "\(source): periods must be a list (- name: …)", context: ["file": source])
        }
        var raw: [BlackoutCalendar.RawPeriod] = []
        for item in items {
            let line = (item.mark?.line).map { "\(source):\($0)" } ?? source
            guard let m = item.mapping else {
                throw CoreError(.malformedCalendar, "\(line): each period must be a mapping (name, every_year or dates, policy)", context: ["file": source])
            }
            func range(_ key: String) -> (from: String?, to: String?)? {
                guard let node = m[key] else { return nil }
                return (node.mapping?["from"]?.string, node.mapping?["to"]?.string)
            }
            var policy: [String: String] = [:]
            for (k, v) in m["policy"]?.mapping ?? [:] {
                if let k = k.string { policy[k] = v.string ?? "" }
            }
            let known: Set<String> = ["name", "every_year", "dates", "policy", "note"]
            raw.append(.init(name: m["name"]?.string, everyYear: range("every_year"), dates: range("dates"), policy: policy,
                             note: m["note"]?.string, unknownKeys: m.keys.compactMap(\.string).filter { !known.contains($0) }))
        }
        return try BlackoutCalendar(timeZone: zone, periods: raw, source: source)
    }
}
