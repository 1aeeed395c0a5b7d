import ArgumentParser
import CutoverCore
import CutoverPostgres
import Foundation

/// `cutover migrate new "add customer overview" --phase expand`: a `VXXX__…` file from a template.
struct MigrateNewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Write migrations/VXXX__<name>.sql from a template in migrations/templates/ (number it with `migrate number`).")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "What the migration does, e.g. \"add customer overview\".") var description: String
    @Option(help: "expand | migrate | contract") var phase: String = "expand"
    @Option(help: "Template name in migrations/templates/ (default: expand, backfill or contract after --phase).") var template: String?

    func run() async throws {
        try await CLIErrors.run {
            guard let phase = MigrationPhase(rawValue: phase.lowercased()) else {
                throw CoreError(.invalidArgument, "--phase \(self.phase): unknown phase; valid: expand, migrate, contract")
            }
            let name = Self.snakeName(description)
            guard !name.isEmpty else { throw CoreError(.invalidArgument, "\"\(description)\": the description needs letters or digits") }
            let config = try await options.loadConfig()
            let folder = config.migrationsDirectory
            let templates = (folder as NSString).appendingPathComponent("templates")
            let available = ((try? FileManager.default.contentsOfDirectory(atPath: templates)) ?? [])
                .filter { $0.hasSuffix(".sql") }.map { String($0.dropLast(4)) }.sorted()
            let chosen = template ?? [MigrationPhase.expand: "expand", .migrate: "backfill", .contract: "contract"][phase]!
            guard available.contains(chosen) else {
                throw CoreError(.invalidArgument, "--template \(chosen): no such template in \(templates); available: \(available.joined(separator: ", "))")
            }
            let text = try String(contentsOfFile: (templates as NSString).appendingPathComponent(chosen + ".sql"), encoding: .utf8)
            let templatePhase = try MigrationHeader(parsing: text, filename: chosen + ".sql").phase
            guard templatePhase == phase else {
                throw CoreError(.invalidArgument, "template \(chosen) is a \(templatePhase.rawValue) template; use --phase \(templatePhase.rawValue) or another template")
            }
            let filename = "VXXX__\(name).sql"
            let path = (folder as NSString).appendingPathComponent(filename)
            guard !FileManager.default.fileExists(atPath: path) else {
                throw CoreError(.invalidArgument, "\(path) already exists; pick another description or number the existing one first")
            }
            let content = text.replacingOccurrences(of: "{{description}}", with: description)
                .replacingOccurrences(of: "{{name}}", with: name)
            guard FileManager.default.createFile(atPath: path, contents: Data(content.utf8)) else {
                CLIErrors.fail("cannot write \(path)", code: CLIErrors.cannotCreate)
            }
            print("wrote \(path) from template \(chosen) (\(phase.rawValue))")
            print("edit it, then `cutover migrate number` gives it the next free version; `cutover migrate lint` checks it")
        }
    }

    /// "Add customer overview!" -> "add_customer_overview".
    static func snakeName(_ text: String) -> String {
        var out = ""
        for c in text.lowercased() {
            if c.isASCII && (c.isLetter || c.isNumber) { out.append(c) } else if !out.hasSuffix("_") && !out.isEmpty { out.append("_") }
        }
        while out.hasSuffix("_") { out.removeLast() }
        return out
    }
}
