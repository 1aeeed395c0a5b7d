import ArgumentParser
import CutoverCore
import CutoverPostgres
import Foundation

/// `cutover tokens create | list | revoke`: API tokens for business modules.
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Create, list and revoke read API tokens (stored hashed; a token is shown once).",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token and print it (once).")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Business module 01 … 08.") var module: String
        @Option(help: "reader, ops or admin.") var role: String = "reader"
        @Option(help: "Comma-separated territory codes, or * for every territory.") var territories: String
        @Option(help: "The CRM user the token acts for (id or e-mail); lead protection compares it with the owner.") var user: String?
        @Option(help: "A note for listings.") var label: String?

        func run() async throws {
            try await CLIErrors.run {
                guard let role = Caller.Role(rawValue: role) else {
                    throw CoreError(.invalidArgument, "--role must be reader, ops or admin, not \(role)")
                }
                let list = territories.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                let config = try await options.loadConfig()
                let logger = options.makeLogger(config)
                let target = try await options.engineTarget(config, logger: logger)
                let created = try await Database.withConnection(target, logger: logger) { c in
                    try await TokenRepository(logger: logger).create(on: c, module: module, role: role, territories: list, user: user, label: label)
                }
                print(created.token)
                FileHandle.standardError.write(Data("token \(created.id) for module \(module) (\(role.rawValue), \(list.joined(separator: ","))); store it now, it is not shown again\n".utf8))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never the tokens themselves).")
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Include revoked tokens.") var all = false
        @Option(help: "Output format: table or json.") var format: OutputFormat = .table

        func run() async throws {
            try await CLIErrors.run {
                let (tokens, _) = try await options.withConnection { connection, logger in
                    try await TokenRepository(logger: logger).list(on: connection, includeRevoked: all)
                }
                try format.printList(tokens, headers: ["ID", "PREFIX", "MODULE", "ROLE", "TERRITORIES", "USER", "CREATED", "REVOKED", "LABEL"]) {
                    ["\($0.id)", $0.prefix, $0.module, $0.role, $0.territories.joined(separator: ","), $0.userId.map { "\($0)" } ?? "-",
                     $0.createdAt, $0.revokedAt ?? "-", $0.label ?? ""]
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a token by id, by the whole token or by a prefix of it (takes effect within api.tokenCacheSeconds).",
            discussion: "A whole token is matched by its hash and only its prefix is printed. A prefix must match exactly one active token.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Token id or prefix as `tokens list` shows it (any unambiguous start of one), or the whole token.") var token: String

        func run() async throws {
            try await CLIErrors.run {
                // Never repeat the argument: it may be the secret itself.
                guard let reference = APIToken.Reference(token) else {
                    throw CoreError(.invalidArgument, "give a token id, the whole token, or a prefix of it of at most \(APIToken.prefixLength) characters "
                                    + "(cutover_ and hex digits) as `cutover tokens list` shows it")
                }
                let config = try await options.loadConfig()
                let logger = options.makeLogger(config)
                let target = try await options.engineTarget(config, logger: logger)
                let outcome = try await Database.withConnection(target, logger: logger) { c in
                    try await TokenRepository(logger: logger).revoke(on: c, reference)
                }
                switch outcome {
                case .revoked(let info):
                    print("revoked token \(info.id) (\(info.prefix), module \(info.module), \(info.role))")
                case .notFound:
                    throw CoreError(.invalidArgument, "no active token with \(reference.description); see `cutover tokens list`")
                case .ambiguous(let candidates):
                    let list = candidates.map { "id \($0.id) (\($0.prefix), module \($0.module))" }.joined(separator: ", ")
                    throw CoreError(.invalidArgument, "\(reference.description) matches \(candidates.count) active tokens: \(list); give the id or a longer prefix")
                }
            }
        }
    }
}
