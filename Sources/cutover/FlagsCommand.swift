import ArgumentParser
import CutoverCore
import CutoverPostgres
import CutoverProjector
import Foundation
import Logging

/// `cutover flags list | get | set | history | rollback`: the feature flags in the database.
struct FlagsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flags",
        abstract: "Show and change feature flags (reader switches legacy → shadow → read_model, boolean flags, the kill switch).",
        discussion: """
            Every change needs --reason and writes an audit row in the same transaction (who, when, old, new, reason). \
            Running API instances pick a change up within a second (LISTEN/NOTIFY, periodic reload as fallback).
            """,
        subcommands: [List.self, Get.self, Set.self, Create.self, History.self, Rollback.self]
    )

    /// Who a CLI change is recorded as.
    static var actor: String {
        let env = ProcessInfo.processInfo.environment
        let account = getpwuid(getuid()).flatMap { $0.pointee.pw_name.map { String(cString: $0) } }
        return "\(env["SUDO_USER"] ?? env["USER"] ?? account ?? "unknown")@\(ProcessInfo.processInfo.hostName) (cutover flags)"
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every flag with its rules and what each module gets now.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Output format: table or json.") var format: OutputFormat = .table

        func run() async throws {
            try await CLIErrors.run(serverErrorCode: CLIErrors.unavailable) {
                let snapshot = try await FlagsCommand.load(options)
                if format == .json { return try FlagsCommand.printJSON(snapshot.names.map { FlagJSON(snapshot.flags[$0]!) }) }
                let rows = snapshot.names.map { name -> [String] in
                    let f = snapshot.flags[name]!
                    return [f.name, f.kind.rawValue, f.value.summary, "v\(f.version)", f.updatedAtText, f.updatedBy]
                }
                print(TextTable.render(["FLAG", "KIND", "STATE", "VERSION", "CHANGED", "BY"], rows))
                if snapshot.killSwitchOn { print("\nKILL SWITCH ON: every reader flag serves legacy (cutover flags set \(FeatureFlag.killSwitchName) off --reason …)") }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One flag: its rules, the state per module, and optionally one subject's evaluation.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The flag.") var name: String
        @Option(help: "Evaluate for this module (01 … 08).") var module: String?
        @Option(help: "Evaluate for this subject: user:<crm user id> or token:<token id>, as the read API forms them.") var subject: String?

        func run() async throws {
            try await CLIErrors.run(serverErrorCode: CLIErrors.unavailable) {
                if let subject { _ = try FlagSubject.validated(subject) }
                let snapshot = try await FlagsCommand.load(options)
                let flag = try snapshot.flag(name)
                if let module, !BusinessModule.codes.contains(module) {
                    throw CoreError(.invalidFlagChange, "unknown module \"\(module)\"; the modules are \(BusinessModule.codes.joined(separator: ", "))")
                }
                print("\(flag.name) (\(flag.kind.rawValue)\(flag.views.isEmpty ? "" : ": " + flag.views.map(\.rawValue).joined(separator: ", ")))")
                if !flag.description.isEmpty { print("  \(flag.description)") }
                print("  default: \(FlagsCommand.rule(flag.value.rule))")
                for m in flag.value.modules.keys.sorted() { print("  module \(m): \(FlagsCommand.rule(flag.value.modules[m]!))") }
                print("  version \(flag.version), changed \(flag.updatedAtText) by \(flag.updatedBy)")
                print("")
                var rows: [[String]] = []
                for m in BusinessModule.codes where module == nil || module == m {
                    let e = snapshot.evaluate(flag, module: m, subject: subject)
                    rows.append([m, e.variant, e.reason.rawValue, e.rule, e.bucket.map { "\($0)" } ?? ""])
                }
                print(TextTable.render(["MODULE", subject == nil ? "STATE" : "STATE FOR \(subject!)", "REASON", "RULE", "BUCKET"], rows))
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a flag (audited).",
            discussion: """
                Reader flags: legacy, shadow, read_model. Boolean flags: on, off. Without --module the default rule \
                changes and module overrides stay; --all-modules also drops every override; with --module only that \
                module's rule changes (state `inherit` drops its override). --percent rolls the state out to that share \
                of subjects (sticky per subject); the others get legacy / off.
                Examples:
                  cutover flags set customer_reads shadow --module 02 --reason "compare module 02"
                  cutover flags set customer_reads read_model --all-modules --reason "every module on the read model"
                  cutover flags set reads_kill_switch on --reason "incident 4711"
                """
        )
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The flag.") var name: String
        @Argument(help: "The new state: legacy | shadow | read_model (reader flags), on | off (boolean flags), inherit (with --module).") var state: String
        @Option(help: "Change only this business module (01 … 08).") var module: String?
        @Flag(help: "Set the default and drop every module override.") var allModules = false
        @Option(help: "Roll out to this percentage of subjects (0 … 100, default 100).") var percent: Int?
        @Option(help: "Why (required; kept in the audit trail).") var reason: String?

        func run() async throws {
            try await CLIErrors.run(serverErrorCode: CLIErrors.unavailable) {
                let (target, logger) = try await FlagsCommand.connect(options)
                let change = FlagChange(variant: state, module: module, allModules: allModules, percent: percent)
                let update = try await Database.withConnection(target, logger: logger) { c in
                    try await FlagStore(logger: logger).set(on: c, name: name, change: change, actor: FlagsCommand.actor, reason: reason ?? "")
                }
                guard let audit = update.auditID else {
                    print("\(name) is already \(update.after.value.summary); nothing changed")
                    return
                }
                print("\(name): \(update.before.value.summary) → \(update.after.value.summary) (version \(update.after.version), audit #\(audit))")
                if module == nil, !allModules, !update.after.value.modules.isEmpty {
                    print("note: module overrides still apply: \(update.after.value.modules.keys.sorted().joined(separator: ", ")) (--all-modules drops them)")
                }
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a reader or boolean flag (audited); it starts on legacy / off.",
            discussion: """
                A reader flag switches read-API views between legacy, shadow and read_model; a view has one reader flag. \
                A boolean flag is on or off for the application to ask (OFREP). Examples:
                  cutover flags create pipeline_reads --kind reader --views territories.pipeline --reason "module 05 moves"
                  cutover flags create new_checkout --kind boolean --description "checkout v2 in module 04" --reason "release 4.2"
                """)
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The new flag's name (a–z, 0–9, _).") var name: String
        @Option(help: "reader or boolean.") var kind: String
        @Option(help: "Reader flags: the views it switches, comma-separated (e.g. customers.list,customers.detail).") var views: String?
        @Option(help: "What the flag is for.") var description: String = ""
        @Option(help: "Why (required; kept in the audit trail).") var reason: String?

        func run() async throws {
            try await CLIErrors.run(serverErrorCode: CLIErrors.unavailable) {
                let list = (views ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                let config = try await options.loadConfig()
                // The views a reader flag may switch are the declared ones.
                let declared = list.isEmpty ? [] : try ViewLoader.load(directory: config.projectionsDirectory).map(\.name)
                let (target, logger) = try await FlagsCommand.connect(options)
                let (flag, audit) = try await Database.withConnection(target, logger: logger) { c in
                    try await FlagStore(logger: logger).create(on: c, name: name, kind: kind, views: list, declared: declared, description: description,
                                                               actor: FlagsCommand.actor, reason: reason ?? "")
                }
                let scope = flag.views.isEmpty ? "" : " for \(flag.views.map(\.rawValue).joined(separator: ", "))"
                print("created \(flag.kind.rawValue) flag \(flag.name)\(scope): \(flag.value.summary) (version 1, audit #\(audit))")
            }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The audit trail, newest first.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Only this flag.") var name: String?
        @Option(help: "Rows to show.") var limit: Int = 20
        @Option(help: "Output format: table or json.") var format: OutputFormat = .table

        func validate() throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be 1 … 10000, not \(limit)") }
        }

        func run() async throws {
            try await CLIErrors.run(serverErrorCode: CLIErrors.unavailable) {
                let (target, logger) = try await FlagsCommand.connect(options)
                let entries = try await Database.withConnection(target, logger: logger) { c in
                    let store = FlagStore(logger: logger)
                    if let name { _ = try await store.flag(on: c, name: name) }
                    return try await store.history(on: c, name: name, limit: limit)
                }
                if format == .json { return try FlagsCommand.printJSON(entries) }
                let rows = entries.map { e in
                    ["#\(e.id)", e.changedAt, e.flag, "\(e.oldValue?.summary ?? "(created)") → \(e.newValue.summary)", e.automatic ? "AUTO" : "", e.changedBy, e.reason]
                }
                print(rows.isEmpty ? "no changes recorded" : TextTable.render(["ID", "WHEN (UTC)", "FLAG", "CHANGE", "", "BY", "REASON"], rows))
            }
        }
    }

    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Restore the value a flag had before its newest change (or before change --to ID); audited.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The flag.") var name: String
        @Option(help: "Restore the value before this audit entry (see `cutover flags history`).") var to: Int64?
        @Option(help: "Why (required; kept in the audit trail).") var reason: String?

        func run() async throws {
            try await CLIErrors.run(serverErrorCode: CLIErrors.unavailable) {
                let (target, logger) = try await FlagsCommand.connect(options)
                let update = try await Database.withConnection(target, logger: logger) { c in
                    try await FlagStore(logger: logger).rollback(on: c, name: name, auditID: to, actor: FlagsCommand.actor, reason: reason ?? "")
                }
                guard let audit = update.auditID else {
                    print("\(name) already has that value (\(update.after.value.summary)); nothing changed")
                    return
                }
                print("\(name): \(update.before.value.summary) → \(update.after.value.summary) (version \(update.after.version), audit #\(audit))")
            }
        }
    }

    // MARK: - Helpers

    struct FlagJSON: Encodable {
        var name: String, kind: String, views: [String], description: String, value: FlagValue, version: Int64, updatedAt: String, updatedBy: String

        init(_ f: FeatureFlag) {
            name = f.name
            kind = f.kind.rawValue
            views = f.views.map(\.rawValue)
            description = f.description
            value = f.value
            version = f.version
            updatedAt = f.updatedAtText
            updatedBy = f.updatedBy
        }
    }

    /// The database and a logger, from the configuration (loaded once).
    static func connect(_ options: GlobalOptions) async throws -> (DatabaseTarget, Logger) {
        let config = try await options.loadConfig()
        let logger = options.makeLogger(config)
        return (try await options.engineTarget(config, logger: logger, applicationName: "cutover flags"), logger)
    }

    /// Every flag.
    static func load(_ options: GlobalOptions) async throws -> FlagSnapshot {
        let (target, logger) = try await connect(options)
        return try await Database.withConnection(target, logger: logger) { c in try await FlagStore(logger: logger).load(on: c) }
    }

    static func rule(_ r: FlagRule) -> String { r.percent == 100 ? r.variant : "\(r.variant) for \(r.percent)% of subjects (others \(r.variant == "on" || r.variant == "off" ? "off" : "legacy"))" }

    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
