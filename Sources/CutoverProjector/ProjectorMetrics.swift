import Metrics

/// The projector's metrics (swift-metrics; exported by whatever backend the process bootstraps,
/// Prometheus in `cutover project` and `cutover serve`).
struct ProjectorMetrics: Sendable {
    let changes: Counter
    let keys: Counter
    let deadLetters: Counter
    let rebuilds: Counter
    let batchDuration: Timer
    let lag: Gauge
    let lastSuccess: Gauge
    let leaseHeld: Gauge

    init(projection: String) {
        let dims = [("projection", projection)]
        changes = Counter(label: "cutover_projector_changes_total", dimensions: dims)
        keys = Counter(label: "cutover_projector_keys_recomputed_total", dimensions: dims)
        deadLetters = Counter(label: "cutover_projector_dead_letters_total", dimensions: dims)
        rebuilds = Counter(label: "cutover_projector_full_rebuilds_total", dimensions: dims)
        batchDuration = Timer(label: "cutover_projector_batch_duration_seconds", dimensions: dims, preferredDisplayUnit: .seconds)
        lag = Gauge(label: "cutover_projector_lag_seconds", dimensions: dims)
        lastSuccess = Gauge(label: "cutover_projector_last_success_timestamp_seconds", dimensions: dims)
        leaseHeld = Gauge(label: "cutover_projector_lease_held", dimensions: dims)
    }
}
