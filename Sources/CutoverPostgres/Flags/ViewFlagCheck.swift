import CutoverCore
import Logging
import PostgresNIO

/// What `serve` checks before it serves declared views: each view's flag exists, is a reader
/// flag and switches that view. A view no flag switches would be served from legacy forever
/// without anybody noticing, so it is refused with the command that fixes it.
public enum ViewFlagCheck {
    /// Throws ``CoreError/Code/invalidView`` naming the first view whose flag is missing or wrong.
    public static func require(_ views: [ViewDeclaration], on connection: PostgresConnection, logger: Logger) async throws {
        try check(views, against: try await FlagStore(logger: logger).load(on: connection))
    }

    /// What `serve` runs at start: a missing or wrong flag refuses to start; flags that cannot be
    /// read now (an outage, a broken table) only warn, since reads then answer 503 until the flags
    /// load, never from defaults.
    public static func requireAtStart(_ views: [ViewDeclaration], target: DatabaseTarget, logger: Logger) async throws {
        let snapshot: FlagSnapshot
        do {
            snapshot = try await Database.withConnection(target, logger: logger) { connection in try await FlagStore(logger: logger).load(on: connection) }
        } catch let error as DatabaseError {
            logger.warning("cannot check the views' flags now; reads answer 503 until the flags load", metadata: ["error": "\(error.message)"])
            return
        }
        try check(views, against: snapshot)
    }

    /// Throws for the first view whose flag `snapshot` lacks or whose flag does not switch it.
    public static func check(_ views: [ViewDeclaration], against snapshot: FlagSnapshot) throws {
        for view in views {
            guard let flag = snapshot.flags[view.flag] else {
                throw CoreError(.invalidView, """
                    \(view.location("flag")): view \(view.name) is switched by flag \(view.flag), which does not exist; create it: \
                    cutover flags create \(view.flag) --kind reader --views \(view.name) --reason "…"
                    """, context: ["view": view.name.rawValue, "flag": view.flag])
            }
            guard flag.kind == .reader, flag.views.contains(view.name) else {
                let switched = flag.views.isEmpty ? "no view" : flag.views.map(\.rawValue).joined(separator: ", ")
                throw CoreError(.invalidView, """
                    \(view.location("flag")): view \(view.name) declares flag \(view.flag), but that \(flag.kind.rawValue) flag switches \(switched); \
                    declare the flag that switches it, or create one for it with cutover flags create
                    """, context: ["view": view.name.rawValue, "flag": view.flag])
            }
        }
    }
}
