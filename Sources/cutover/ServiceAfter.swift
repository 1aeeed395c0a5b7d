import ServiceLifecycle

/// Runs `service` once `first` finished (bounded by the caller): e.g. the HTTP server once the
/// first lag reading is in. Graceful shutdown and cancellation reach `service` as usual.
struct ServiceAfter: Service {
    let first: @Sendable () async -> Void
    let service: any Service

    init(first: @escaping @Sendable () async -> Void, then service: any Service) {
        self.first = first
        self.service = service
    }

    func run() async throws {
        await first()
        if Task.isCancelled || Task.isShuttingDownGracefully { return }
        try await service.run()
    }
}
