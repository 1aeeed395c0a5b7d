import CutoverCore
import Foundation
import Yams

/// Reads `config/blackouts.yaml` into a ``BlackoutCalendar``.
public enum BlackoutCalendarLoader {
    /// Loads the calendar at `path`; a missing file is an empty calendar (no blackouts), a broken
    /// one is an error naming the file, line and the valid values.
    public static func load(path: String) throws -> BlackoutCalendar {
        guard FileManager.default.fileExists(atPath: path) else { return .none }
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
