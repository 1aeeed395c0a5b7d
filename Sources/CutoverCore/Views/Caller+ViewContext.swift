extension Caller {
    /// The caller as a view that declares `parts` of the context sees it: what is not declared is
    /// empty (no territories, no user, no role), which narrows and masks, never widens.
    public func scoped(to parts: Set<ViewDeclaration.ContextPart>) -> Caller {
        var scoped = self
        if !parts.contains(.territories) { scoped.territories = [] }
        if !parts.contains(.user) { scoped.userID = nil }
        if !parts.contains(.role) { scoped.userRole = nil }
        return scoped
    }
}
