/// The application's directory, as two queries the engine runs for SQL readers and tokens: every
/// territory code (what a `*` grant means) and the users readers may act as (id, e-mail, manager).
/// `cutover init` and `cutover upgrade` store them in `cutover.settings`; unset means `*` names no
/// territory and nobody is a manager (fail closed).
public struct ReaderDirectory: Sendable, Equatable {
    public var territoriesQuery: String?
    public var usersQuery: String?

    public init(territoriesQuery: String? = nil, usersQuery: String? = nil) {
        self.territoriesQuery = territoriesQuery
        self.usersQuery = usersQuery
    }
}
