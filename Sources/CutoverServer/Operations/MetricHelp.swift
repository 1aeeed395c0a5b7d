/// The `# HELP` text of every metric Cutover registers, by name. ``HelpTextMetricsFactory`` hands
/// these to the Prometheus registry, so `/metrics` explains each series. A metric missing here is
/// exported without help text; a test scans the sources so none goes missing.
public enum MetricHelp {
    public static let texts: [String: String] = [
        // Read API
        "cutover_api_requests_total": "Read API requests answered, by route, serving source and HTTP status.",
        "cutover_api_request_duration_seconds": "Read API request duration in seconds, by route and serving source (bucket bound at the 200 ms SLO).",
        "cutover_api_reads_total": "Reads served, by view, business module and source (legacy or read-model).",
        "cutover_api_read_model_lag_seconds": "Seconds the most lagging read model is behind the write tables, as the read API last measured.",
        "cutover_api_replica_lag_seconds": "Seconds the hot standby serving reads is behind the primary.",
        // Flags
        "cutover_flags_reloads_total": "Times the flag cache reloaded the flags from the database (notification or periodic).",
        "cutover_flags_load_failures_total": "Failed attempts to load the flags from the database.",
        "cutover_flags_last_load_timestamp_seconds": "Unix time of the last successful flag load.",
        "cutover_flag_auto_rollbacks_total": "Automatic rollbacks of a module's reader flag to legacy, by flag, module and trigger.",
        "cutover_shadow_comparisons_total": "Shadow-mode comparisons of a legacy answer with the read model, by flag, view and module.",
        "cutover_shadow_mismatches_total": "Shadow-mode comparisons that found the read model differing from legacy, by flag, view and module.",
        "cutover_shadow_skipped_total": "Shadow-mode comparisons skipped because the comparison queue was full, by flag, view and module.",
        "cutover_shadow_errors_total": "Shadow-mode comparisons that failed with an error, by flag, view and module.",
        // Projector
        "cutover_projector_changes_total": "Captured changes the projector applied, by projection.",
        "cutover_projector_keys_recomputed_total": "Read model keys the projector recomputed, by projection.",
        "cutover_projector_dead_letters_total": "Keys the projector moved to the dead letters after repeated failures, by projection.",
        "cutover_projector_full_rebuilds_total": "Full rebuilds of a projection, by projection.",
        "cutover_projector_batch_duration_seconds": "Duration of one projector batch in seconds, by projection.",
        "cutover_projector_lag_seconds": "Age in seconds of the oldest change the projector has not applied yet, by projection.",
        "cutover_projector_last_success_timestamp_seconds": "Unix time of the projector's last successful batch, by projection.",
        "cutover_projector_lease_held": "1 while this process holds the projection's lease (is its active projector), else 0.",
        // Change capture
        "cutover_capture_relayed_changes_total": "Row changes relayed from the logical replication stream into the change log.",
        "cutover_capture_relayed_transactions_total": "Transactions relayed from the logical replication stream into the change log.",
        "cutover_capture_relay_batch_duration_seconds": "Duration of one capture relay batch in seconds.",
        "cutover_capture_relay_lag_seconds": "Seconds between the last relayed transaction's commit and now, when it was relayed.",
        "cutover_capture_relay_streaming": "1 while the capture relay is streaming from its replication slot, else 0.",
        "cutover_capture_slot_retained_bytes": "Bytes of WAL the capture replication slot keeps on the primary.",
        "cutover_change_log_pruned_total": "Change log rows pruned after every projection applied them.",
        // Operations state
        "cutover_blackout_active": "1 while a blackout period denies migrations of the phase, else 0.",
        "cutover_migration_running": "1 while a migration runner holds the migration lock, else 0.",
        "cutover_backfill_running": "1 while a runner holds the backfill's lock, else 0, by backfill.",
        "cutover_backfill_last_progress_timestamp_seconds": "Unix time the backfill last recorded progress (0: never), by backfill.",
        "cutover_dead_letters": "Dead letters waiting for a retry, by projection.",
        "cutover_operations_monitor_errors_total": "Failed polls of the operations state monitor, by stage.",
        "cutover_operations_monitor_last_success_timestamp_seconds": "Unix time of the operations state monitor's last successful poll.",
    ]
}
