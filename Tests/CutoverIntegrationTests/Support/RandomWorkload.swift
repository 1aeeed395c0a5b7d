import CutoverPostgres
import Foundation
import Logging
import PostgresNIO

/// A seeded, randomized concurrent write workload over every write table: inserts, updates and
/// deletes, contacts moved between customers, customers moved between territories, sales reps
/// renamed, leads re-protected, multi-statement transactions and rollbacks. Each writer draws its
/// operations from `seed + writer`; the interleaving of writers is up to the machine.
struct RandomWorkload: Sendable {
    let target: DatabaseTarget
    let seed: UInt64
    let writers: Int
    let duration: Duration

    struct Counts: Sendable {
        var committed = 0
        var rolledBack = 0
        var failed = 0
    }

    /// SplitMix64: small, fast, reproducible.
    struct Random: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let territories = ["DE-BY", "DE-BW", "DE-BE", "DE-HH", "DE-NW", "DE-HE", "AT-W", "CH-ZH"]
    static let segments = ["RESTAURANT", "HOTEL", "KANTINE", "CATERING"]
    static let statuses = ["LEAD", "PROSPECT", "ACTIVE", "INACTIVE"]
    static let roles = ["CHEF", "BUYER", "GF"]
    static let kinds = ["CALL", "VISIT", "EMAIL", "TASTING"]

    func run(logger: Logger) async throws -> Counts {
        let maxCustomer = Int(try await SQL.scalar(target, "SELECT max(id)::text FROM crm.customers") ?? "1") ?? 1
        let maxContact = Int(try await SQL.scalar(target, "SELECT max(id)::text FROM crm.contacts") ?? "1") ?? 1
        let maxUser = Int(try await SQL.scalar(target, "SELECT max(id)::text FROM crm.users") ?? "1") ?? 1
        let maxSample = Int(try await SQL.scalar(target, "SELECT max(id)::text FROM crm.samples") ?? "1") ?? 1
        let maxOrder = Int(try await SQL.scalar(target, "SELECT max(id)::text FROM crm.orders") ?? "1") ?? 1
        let deadline = ContinuousClock.now + duration
        return try await withThrowingTaskGroup(of: Counts.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var rng = Random(state: seed &+ UInt64(writer))
                    var counts = Counts()
                    let connection = try await Database.connect(target, logger: logger)
                    defer { Task { try? await connection.close() } }
                    var n = 0
                    while ContinuousClock.now < deadline {
                        n += 1
                        let statements = (0..<Int.random(in: 1...3, using: &rng)).map { _ in
                            Self.operation(&rng, tag: "\(writer)-\(n)", customers: maxCustomer + 200, contacts: maxContact + 400,
                                           users: maxUser, samples: maxSample + 200, orders: maxOrder + 400)
                        }
                        let rollback = Int.random(in: 0..<20, using: &rng) == 0
                        do {
                            _ = try await connection.query("BEGIN", logger: logger).get()
                            for sql in statements { _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).get() }
                            _ = try await connection.query(rollback ? "ROLLBACK" : "COMMIT", logger: logger).get()
                            if rollback { counts.rolledBack += 1 } else { counts.committed += 1 }
                        } catch {
                            // Constraint violations (a second primary contact, a vanished customer) are part of the game.
                            counts.failed += 1
                            _ = try? await connection.query("ROLLBACK", logger: logger).get()
                        }
                    }
                    return counts
                }
            }
            var total = Counts()
            for try await c in group {
                total.committed += c.committed
                total.rolledBack += c.rolledBack
                total.failed += c.failed
            }
            return total
        }
    }

    static func operation(_ rng: inout Random, tag: String, customers: Int, contacts: Int, users: Int, samples: Int, orders: Int) -> String {
        func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &rng)] }
        let c = Int.random(in: 1...customers, using: &rng)
        let c2 = Int.random(in: 1...customers, using: &rng)
        let k = Int.random(in: 1...contacts, using: &rng)
        let u = Int.random(in: 1...users, using: &rng)
        let day = Int.random(in: 0..<120, using: &rng)
        let amount = Double(Int.random(in: 0...500_000, using: &rng)) / 100
        switch Int.random(in: 0..<22, using: &rng) {
        case 0: return "INSERT INTO crm.customers (name, segment, status, territory_code, owner_id, city) VALUES ('Workload \(tag)', '\(pick(segments))', '\(pick(statuses))', '\(pick(territories))', \(u), 'Teststadt')"
        case 1: return "UPDATE crm.customers SET name = 'Renamed \(tag)' WHERE id = \(c)"
        case 2: return "UPDATE crm.customers SET territory_code = '\(pick(territories))' WHERE id = \(c)"
        case 3: return "UPDATE crm.customers SET status = '\(pick(statuses))', segment = '\(pick(segments))', owner_id = \(u) WHERE id = \(c)"
        case 4: return "DELETE FROM crm.customers WHERE id = \(c)"
        case 5: return "INSERT INTO crm.contacts (customer_id, role, first_name, last_name, email, is_primary) VALUES (\(c), '\(pick(roles))', 'Kim', 'W\(tag)', 'kim\(tag)@example.com', false)"
        case 6: return "UPDATE crm.contacts SET customer_id = \(c2) WHERE id = \(k)"
        case 7: return "UPDATE crm.contacts SET is_primary = NOT is_primary WHERE id = \(k)"
        case 8: return "UPDATE crm.contacts SET email = 'changed\(tag)@example.com', phone = '+49 89 \(day)' WHERE id = \(k)"
        case 9: return "DELETE FROM crm.contacts WHERE id = \(k)"
        case 10, 11: return "INSERT INTO crm.orders (customer_id, ordered_at, net_amount, item_count) VALUES (\(c), DATE '2026-07-01' + \(day), \(amount), \(1 + day % 9))"
        case 12: return "UPDATE crm.orders SET net_amount = \(amount) WHERE id = \(Int.random(in: 1...orders, using: &rng))"
        case 13: return "DELETE FROM crm.orders WHERE id = \(Int.random(in: 1...orders, using: &rng))"
        case 14: return "INSERT INTO crm.samples (customer_id, contact_id, product, sent_at, follow_up_due) VALUES (\(c), (SELECT min(id) FROM crm.contacts WHERE customer_id = \(c)), 'Probe \(tag)', DATE '2026-09-01' + \(day % 60), DATE '2026-09-15' + \(day % 60))"
        case 15: return "UPDATE crm.samples SET followed_up_at = DATE '2026-11-01' + \(day % 20), feedback = 'ok', rating = \(1 + day % 5) WHERE id = \(Int.random(in: 1...samples, using: &rng))"
        case 16: return "UPDATE crm.samples SET follow_up_due = DATE '2026-11-10' + \(day % 30), followed_up_at = NULL WHERE id = \(Int.random(in: 1...samples, using: &rng))"
        case 17: return "INSERT INTO crm.activities (customer_id, user_id, kind, occurred_at, note) VALUES (\(c), \(u), '\(pick(kinds))', TIMESTAMPTZ '2026-10-01 08:00+00' + interval '\(day) hours', 'workload')"
        case 18: return "UPDATE crm.users SET name = 'Rep \(tag)' WHERE id = \(u)"
        case 19: return "INSERT INTO crm.lead_protections (customer_id, owner_id, protected_until, reason) VALUES (\(c), \(u), DATE '2026-11-01' + \(day), 'workload') ON CONFLICT (customer_id) DO UPDATE SET owner_id = EXCLUDED.owner_id, protected_until = EXCLUDED.protected_until"
        case 20: return "DELETE FROM crm.lead_protections WHERE customer_id = \(c)"
        default: return "UPDATE crm.activities SET kind = '\(pick(kinds))', user_id = \(u) WHERE id = (SELECT max(id) FROM crm.activities WHERE customer_id = \(c))"
        }
    }
}
