import Configuration
import CutoverCore
import Foundation
import SystemPackage
import Yams

/// Reads `config/cutover.yaml`, `CUTOVER_*` environment variables and command-line overrides
/// (highest precedence first: flags, environment, file, defaults) with swift-configuration, and
/// checks every key and type against ``ConfigSchema`` so that a typo or a wrong type stops with
/// one error naming the key and where it came from.
public struct ConfigLoader: Sendable {
    /// The default file, relative to the working directory; optional.
    public static let defaultPath = "config/cutover.yaml"

    /// An explicit file (`--config`); it must exist. `nil` uses ``defaultPath`` if present.
    public var filePath: String?
    public var environment: [String: String]
    /// `key=value` overrides from the command line (`--set`, and flags such as `--database-url`).
    public var overrides: [String: String]

    public init(filePath: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                overrides: [String: String] = [:]) {
        self.filePath = filePath
        self.environment = environment
        self.overrides = overrides
    }

    /// Loads and validates the configuration.
    public func load() async throws -> CutoverConfig {
        let path = filePath ?? Self.defaultPath
        let fileExists = FileManager.default.fileExists(atPath: path)
        if filePath != nil && !fileExists {
            throw CoreError(.malformedConfigFile, "config file \(path) does not exist", context: ["file": path])
        }

        // 1. Structure: unknown keys and sections, via the YAML node tree.
        if fileExists { try checkKeys(path: path) }

        // 2. Values through swift-configuration providers, one source at a time, so errors name the source.
        var providers: [(name: String, provider: any ConfigProvider)] = []
        providers.append(("command line", InMemoryProvider(name: "command line", values: try overrideValues())))
        let cutoverEnvironment = environment.filter { $0.key.hasPrefix("CUTOVER_") }
        for name in cutoverEnvironment.keys.sorted() where ConfigSchema.keys.allSatisfy({ $0.environmentVariable != name }) && !Self.nonConfigEnvironment.contains(name) {
            throw CoreError(.unknownConfigKey, "environment variable \(name) is not a Cutover setting; known: \(ConfigSchema.keys.map(\.environmentVariable).joined(separator: ", "))",
                            context: ["key": name, "source": "environment"])
        }
        providers.append(("environment", EnvironmentVariablesProvider(environmentVariables: cutoverEnvironment).prefixKeys(with: "cutover")))
        if fileExists {
            do {
                let provider = try await FileProvider<YAMLSnapshot>(filePath: FilePath(path))
                providers.append((path, provider))
            } catch {
                throw CoreError(.malformedConfigFile, "\(path): \(error)", context: ["file": path])
            }
        }

        var values: [String: ConfigScalar] = [:]
        var sources: [String: String] = [:]
        for spec in ConfigSchema.keys {
            let key = AbsoluteConfigKey(spec.key.split(separator: ".").map(String.init))
            for (name, provider) in providers {
                let result: LookupResult
                do {
                    result = try provider.value(forKey: key, type: spec.type.configType)
                } catch {
                    let where_ = name == "environment" ? "environment variable \(spec.environmentVariable)" : name
                    throw CoreError(.invalidConfigValue, "\(where_): \(spec.key) must be \(spec.type.article), \(spec.summary)",
                                    context: ["key": spec.key, "source": where_])
                }
                guard let value = result.value else { continue }
                values[spec.key] = ConfigScalar(value.content)
                sources[spec.key] = name == "environment" ? "environment variable \(spec.environmentVariable)" : name
                break
            }
        }
        if fileExists {
            for key in ConfigSchema.pathKeys where sources[key] == path {
                guard case .string(let value)? = values[key], !value.hasPrefix("/"), !value.isEmpty,
                      !(key == "migrations.blackouts" && value == ConfigSchema.noBlackouts) else { continue }
                values[key] = .string(Self.resolve(value, relativeTo: (path as NSString).deletingLastPathComponent))
            }
        }
        let lookup = sources
        return try CutoverConfig(values: values, explicitKeys: Set(values.keys), source: { lookup[$0] ?? "defaults" })
    }

    /// `relative` resolved against `folder` with `.` and `..` folded away (`config` + `../migrations`
    /// is `migrations`), so effective values read as the operator would write them.
    static func resolve(_ relative: String, relativeTo folder: String) -> String {
        var parts: [String] = []
        for part in (folder.split(separator: "/") + relative.split(separator: "/")).map(String.init) where part != "." {
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        return folder.hasPrefix("/") ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    /// Environment variables with the prefix that are not settings (used by tools around Cutover).
    static let nonConfigEnvironment: Set<String> = ["CUTOVER_PG_BINDIR", "CUTOVER_CONFIG", "CUTOVER_TEST_ROOT",
                                                    "CUTOVER_TEST_KEEP_CLUSTER", "CUTOVER_TEST_LOG"]

    private func overrideValues() throws -> [AbsoluteConfigKey: ConfigValue] {
        var out: [AbsoluteConfigKey: ConfigValue] = [:]
        for (key, text) in overrides {
            guard let spec = ConfigSchema.spec(for: key) else {
                let hint = ConfigSchema.suggestion(for: key).map { " (did you mean \($0)?)" } ?? ""
                throw CoreError(.unknownConfigKey, "--set \(key): unknown setting\(hint)", context: ["key": key, "source": "command line"])
            }
            let content: ConfigContent
            switch spec.type {
            case .string: content = .string(text)
            case .int:
                guard let v = Int(text) else { throw CoreError(.invalidConfigValue, "--set \(key)=\(text): must be an integer", context: ["key": key]) }
                content = .int(v)
            case .double:
                guard let v = Double(text) else { throw CoreError(.invalidConfigValue, "--set \(key)=\(text): must be a number", context: ["key": key]) }
                content = .double(v)
            case .bool:
                guard let v = Bool(text) else { throw CoreError(.invalidConfigValue, "--set \(key)=\(text): must be true or false", context: ["key": key]) }
                content = .bool(v)
            }
            out[AbsoluteConfigKey(key.split(separator: ".").map(String.init))] = ConfigValue(content, isSecret: spec.secret)
        }
        return out
    }

    private func checkKeys(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw CoreError(.malformedConfigFile, "\(path): cannot read the file as UTF-8 text", context: ["file": path])
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw CoreError(.malformedConfigFile, "\(path): not valid YAML: \(error)", context: ["file": path])
        }
        guard let node else { return }  // empty file
        guard let mapping = node.mapping else {
            throw CoreError(.malformedConfigFile, "\(path): the top level must be a mapping of sections (database:, http:, …)", context: ["file": path])
        }
        try walk(mapping, prefix: [], path: path)
    }

    private func walk(_ mapping: Node.Mapping, prefix: [String], path: String) throws {
        for (keyNode, valueNode) in mapping {
            guard let name = keyNode.string else {
                throw CoreError(.malformedConfigFile, "\(path): line \(keyNode.mark?.line ?? 0): keys must be strings", context: ["file": path])
            }
            let components = prefix + [name]
            let dotted = components.joined(separator: ".")
            let line = keyNode.mark?.line ?? 0
            if let child = valueNode.mapping {
                guard ConfigSchema.keys.contains(where: { $0.key.hasPrefix(dotted + ".") }) else {
                    throw unknown(dotted, line: line, path: path)
                }
                try walk(child, prefix: components, path: path)
            } else {
                guard let spec = ConfigSchema.spec(for: dotted) else {
                    if ConfigSchema.keys.contains(where: { $0.key.hasPrefix(dotted + ".") }) {
                        throw CoreError(.malformedConfigFile, "\(path): line \(line): \(dotted) must be a section with keys, not a single value",
                                        context: ["file": path, "key": dotted])
                    }
                    throw unknown(dotted, line: line, path: path)
                }
                if valueNode.sequence != nil {
                    throw CoreError(.invalidConfigValue, "\(path): line \(line): \(dotted) must be \(spec.type.article), not a list",
                                    context: ["file": path, "key": dotted])
                }
            }
        }
    }

    private func unknown(_ key: String, line: Int, path: String) -> CoreError {
        let hint = ConfigSchema.suggestion(for: key).map { " (did you mean \($0)?)" } ?? ""
        return CoreError(.unknownConfigKey, "\(path): line \(line): unknown key \(key)\(hint)", context: ["file": path, "key": key, "line": "\(line)"])
    }
}

extension ConfigValueType {
    var configType: ConfigType {
        switch self {
        case .string: .string
        case .int: .int
        case .double: .double
        case .bool: .bool
        }
    }

    var article: String {
        switch self {
        case .string: "a string"
        case .int: "an integer"
        case .double: "a number"
        case .bool: "true or false"
        }
    }
}

extension ConfigScalar {
    init(_ content: ConfigContent) {
        switch content {
        case .string(let s): self = .string(s)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .bool(let b): self = .bool(b)
        default: self = .string("\(content)")
        }
    }
}
