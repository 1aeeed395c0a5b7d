import CutoverCore
import CutoverPostgres
import Foundation
import PostgresNIO
import Synchronization
import Testing

@Suite("Wake-up throttle in the database")
struct WakeupThrottleTests {
    @Test("captured writes NOTIFY at most once per 20 ms bucket for the whole database")
    func throttle() async throws {
        let db = try await TestCluster.shared.migratedDatabase()
        let received = NotificationCounter()
        let listener = try await Database.connect(db, logger: TestCluster.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await listener.listen(on: CaptureMigration.channel) { notifications in
                    for try await _ in notifications { received.count.add(1, ordering: .relaxed) }
                }
            }
            try await Task.sleep(for: .milliseconds(300))  // LISTEN is active

            // A bucket already taken (here: far in the future): nobody notifies, the change log still fills.
            try await SQL.exec(db, "SELECT setval('cutover.wakeup_bucket', 9000000000000000)")
            for i in 0..<5 { try await SQL.exec(db, "INSERT INTO crm.users (name, email, role) VALUES ('Quiet \(i)', 'quiet\(i)@example.com', 'SALES_REP')") }
            try await Task.sleep(for: .milliseconds(300))
            #expect(received.count.load(ordering: .relaxed) == 0)
            #expect(try await SQL.scalar(db, "SELECT count(*)::text FROM cutover.change_log WHERE source_table = 'crm.users'") == "5")

            // A fresh clock: the first write notifies, later ones only when a new 20 ms bucket starts.
            try await SQL.exec(db, "SELECT setval('cutover.wakeup_bucket', 0)")
            let start = ContinuousClock.now
            for i in 0..<20 { try await SQL.exec(db, "INSERT INTO crm.users (name, email, role) VALUES ('Busy \(i)', 'busy\(i)@example.com', 'SALES_REP')") }
            let buckets = Int((ContinuousClock.now - start) / .milliseconds(20)) + 2
            try await Task.sleep(for: .milliseconds(300))
            let count = received.count.load(ordering: .relaxed)
            #expect(count >= 1)
            #expect(count <= min(buckets, 20), "\(count) notifications for 20 writes in \(buckets) buckets")
            group.cancelAll()
        }
        try? await listener.close()
    }
}

final class NotificationCounter: Sendable {
    let count = Atomic<Int>(0)
}
