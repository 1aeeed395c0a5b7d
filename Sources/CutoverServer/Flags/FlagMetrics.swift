import CutoverCore
import Metrics

/// The flag-related metrics of `cutover serve`, created at zero once the flags are first loaded so
/// that dashboards and the alert rules in config/prometheus/ see every series before anything
/// happens: reads per view, module and source; shadow comparisons and mismatches; automatic
/// rollbacks per flag, module and trigger.
enum FlagMetrics {
    static func prime(_ snapshot: FlagSnapshot) {
        // Every view a reader flag switches (`serve` refuses a declared view without its flag).
        for view in Set(snapshot.flags.values.flatMap(\.views)).sorted() {
            for module in BusinessModule.codes {
                for source in ReadSource.allCases {
                    _ = Counter(label: "cutover_api_reads_total", dimensions: [("view", view.rawValue), ("module", module), ("source", source.rawValue)])
                }
            }
        }
        for flag in snapshot.flags.values where flag.kind == .reader {
            for module in BusinessModule.codes {
                for view in flag.views {
                    let dimensions = [("flag", flag.name), ("view", view.rawValue), ("module", module)]
                    _ = Counter(label: "cutover_shadow_comparisons_total", dimensions: dimensions)
                    _ = Counter(label: "cutover_shadow_mismatches_total", dimensions: dimensions)
                }
                for trigger in ["latency", "errors", "mismatches"] {
                    _ = Counter(label: "cutover_flag_auto_rollbacks_total", dimensions: [("flag", flag.name), ("module", module), ("trigger", trigger)])
                }
            }
        }
    }
}
