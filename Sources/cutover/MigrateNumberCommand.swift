import ArgumentParser
import CutoverCore
import CutoverPostgres
import Foundation

/// `cutover migrate number [--ci]`: number `VXXX` files and resolve duplicate versions.
struct MigrateNumberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "number",
        abstract: "Give every VXXX file the next free version and renumber unapplied duplicates (an error in CI mode).")
    @OptionGroup var options: GlobalOptions
    @Flag(help: "Change nothing; exit 65 when a file is unnumbered or two share a version (default when CI=true).") var ci = false
    @Flag(help: "Do not read the database's history (applied files are then unknown).") var offline = false

    func run() async throws {
        try await CLIErrors.run {
            let config = try await options.loadConfig()
            let logger = options.makeLogger(config)
            let folder = config.migrationsDirectory
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
                throw DatabaseError(.migrationsFolderMissing, "migrations folder \(folder) does not exist", context: ["directory": folder])
            }
            let sql = names.filter { $0.hasSuffix(".sql") }.sorted()
            let orphans = MigrationNumbering().orphanUndoFiles(filenames: sql)
            if !orphans.isEmpty {
                throw CoreError(.malformedMigrationName,
                                orphans.map { "\($0): no \("V" + $0.dropFirst().prefix { $0 != "_" }) file for this undo file to roll back; remove it or restore its V file" }
                                    .joined(separator: "\n") + "\nnothing renumbered: a file numbered into an undo file's version would adopt it as its rollback",
                                context: ["files": orphans.joined(separator: ",")])
            }
            var applied: [AppliedMigration] = []
            if !offline {
                do {
                    let target = try options.databaseTarget(config, logger: logger, applicationName: "cutover migrate")
                    applied = try await Database.withConnection(target, logger: logger) { connection in
                        try await MigrationHistoryReader.versions(connection, logger: logger)
                    }
                } catch let error as DatabaseError where error.code == .unreachable || error.code == .databaseMissing {
                    FileHandle.standardError.write(Data("note: no database reachable (\(error.code.rawValue)); numbering from the files and git alone\n".utf8))
                }
            }
            let renames = MigrationNumbering().renames(filenames: sql, appliedFilenames: Set(applied.map(\.filename)),
                                                       appliedVersions: Set(applied.map(\.version)), addedOrder: Self.gitAddedOrder(folder, sql))
            if renames.isEmpty { print("every migration has its own version"); return }
            let ciMode = ci || ProcessInfo.processInfo.environment["CI"].map { ["1", "true", "yes"].contains($0.lowercased()) } == true
            if ciMode {
                for r in renames { print("needs renumbering: \(r)") }
                throw CoreError(.unnumberedMigration,
                                "\(renames.count) migration file(s) are unnumbered or share a version; run `cutover migrate number` locally and commit the renames",
                                context: ["files": renames.map(\.from).joined(separator: ",")])
            }
            for r in renames {
                let from = (folder as NSString).appendingPathComponent(r.from)
                let to = (folder as NSString).appendingPathComponent(r.to)
                guard !FileManager.default.fileExists(atPath: to) else { CLIErrors.fail("\(to) already exists; nothing renamed after it", code: CLIErrors.cannotCreate) }
                try FileManager.default.moveItem(atPath: from, toPath: to)
                print("renamed \(r)")
            }
        }
    }

    /// The files in the order git first saw them (oldest first); untracked files are not listed.
    static func gitAddedOrder(_ folder: String, _ names: [String]) -> [String] {
        var dated: [(Int, String)] = []
        for name in names {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["git", "log", "--diff-filter=A", "--format=%ct", "--", (folder as NSString).appendingPathComponent(name)]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { return [] }
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
            if process.terminationStatus == 0, let first = lines.last.flatMap({ Int($0) }) { dated.append((first, name)) }
        }
        return dated.sorted { $0 < $1 }.map(\.1)
    }
}
