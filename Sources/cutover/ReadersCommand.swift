import ArgumentParser
import CutoverCore
import CutoverPostgres
import Foundation

/// `cutover readers create | list | rotate | revoke`: login roles for business modules that read
/// the views in schema `read` with SQL, bound to the territories and CRM user recorded for them.
struct ReadersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "readers",
        abstract: "Create, list, rotate and revoke SQL readers (login roles bound to territories and a CRM user).",
        discussion: """
            A SQL reader sees the views in schema read for the territories recorded for its login role; \
            SET cutover.territories can narrow them, never widen them, and lead protection uses the recorded \
            CRM user and that user's role. Passwords are shown once.
            """,
        subcommands: [Create.self, List.self, Rotate.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a reader login role and print its password (once).")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Business module 01 … 08.") var module: String
        @Option(help: "Comma-separated territory codes, or * for every territory (ops).") var territories: String
        @Option(help: "The CRM user the reader reads as (id or e-mail); lead protection compares it with the owner.") var user: String?
        @Option(help: "The role name (default cutover_m<module>_<random>).") var name: String?
        @Option(help: "A note for listings.") var label: String?

        func run() async throws {
            try await CLIErrors.run {
                let list = territories.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                let (created, target) = try await options.withConnection { connection, logger in
                    try await SQLReaderRepository(logger: logger).create(on: connection, role: name, module: module, territories: list,
                                                                          user: user, label: label)
                }
                ReadersCommand.printCredentials(created, target: target)
                FileHandle.standardError.write(Data("""
                    reader \(created.role) for module \(module) (\(list.joined(separator: ","))\(user.map { ", user \($0)" } ?? "")): \
                    store the password now, it is not shown again. It reads the views in schema read only; \
                    SET cutover.territories = '…' narrows its territories.\n
                    """.utf8))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List readers (never their passwords).")
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Include revoked readers.") var all = false
        @Option(help: "Output format: table or json.") var format: OutputFormat = .table

        func run() async throws {
            try await CLIErrors.run {
                let (readers, _) = try await options.withConnection { connection, logger in
                    try await SQLReaderRepository(logger: logger).list(on: connection, includeRevoked: all)
                }
                try format.printList(readers, headers: ["ROLE", "MODULE", "TERRITORIES", "USER", "CREATED", "BY", "ROTATED", "REVOKED", "LABEL"]) {
                    [$0.role, $0.module, $0.territories.joined(separator: ","), $0.userId.map { "\($0)" } ?? "-", $0.createdAt, $0.createdBy,
                     $0.rotatedAt ?? "-", $0.revokedAt ?? "-", $0.label ?? ""]
                }
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a reader a new password (the old one stops working at once) and print it.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The reader's role name, as `readers list` shows it.") var role: String

        func run() async throws {
            try await CLIErrors.run {
                let (rotated, target) = try await options.withConnection { connection, logger in
                    try await SQLReaderRepository(logger: logger).rotate(on: connection, role: role)
                }
                ReadersCommand.printCredentials(rotated, target: target)
                FileHandle.standardError.write(Data("new password for \(role): store it now, it is not shown again\n".utf8))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a reader: it can no longer log in, reads nothing, and its open sessions are ended.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The reader's role name, as `readers list` shows it.") var role: String
        @Option(help: "Why (recorded in the audit).") var reason: String?

        func run() async throws {
            try await CLIErrors.run {
                _ = try await options.withConnection { connection, logger in
                    try await SQLReaderRepository(logger: logger).revoke(on: connection, role: role, reason: reason)
                }
                print("revoked reader \(role)")
            }
        }
    }

    /// `role`, `password` and a connection URL with both, one per line.
    static func printCredentials(_ credentials: SQLReaderRepository.Credentials, target: DatabaseTarget) {
        var url = target.url
        url.user = credentials.role
        url.password = credentials.password
        print("role      \(credentials.role)")
        print("password  \(credentials.password)")
        print("url       \(url.urlWithPassword)")
    }
}
