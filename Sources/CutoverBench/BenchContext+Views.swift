import CutoverCore

extension BenchContext {
    /// The declared view named `name`.
    func view(_ name: String) throws -> ViewDeclaration {
        guard let view = views.first(where: { $0.name.rawValue == name }) else {
            throw CoreError(.invalidView, "the bench reads the view \(name), which \(options.projectionsDirectory) does not declare")
        }
        return view
    }

    /// The read-model statement of `view` for `values`, in `order` (page views), first page.
    static func statement(_ view: ViewDeclaration, _ values: [String: String], order: String? = nil) throws -> ViewStatement {
        var request = ViewRequest(values: values)
        if case .page(let paging) = view.shape {
            request.order = order.flatMap(paging.order) ?? paging.orders[0]
            request.limit = paging.defaultLimit
        }
        return ViewStatement(view, request: request, legacy: false)
    }
}
