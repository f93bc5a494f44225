import FlywheelHTTP

// MARK: - ConfigEntry

/// One key of `flywheel serve`'s configuration: its place in the YAML file, the `FLYWHEEL_*` environment variable
/// and the flag it stands for, and the type its value must have. config/flywheel.yaml lists them with their defaults.
struct ConfigEntry: Sendable {
    /// The value types a key can hold.
    enum Kind: Sendable {
        case int, double, string, stringList
    }

    /// The dotted key, e.g. `models.shadows` (YAML: `models:` then `shadows:`).
    let key: String
    /// The `serve` flag it sets, without dashes.
    let flag: String
    /// The type of its value.
    let kind: Kind
    /// What `serve`'s parsed value of the flag is, for `flywheel config check` (the default when nothing sets it).
    let current: @Sendable (ServeCommand) -> String

    /// The environment variable: `FLYWHEEL_` and the key's words in capitals (`models.publishEvery` →
    /// `FLYWHEEL_MODELS_PUBLISH_EVERY`), as swift-configuration's environment provider spells keys.
    var environmentVariable: String {
        "FLYWHEEL_" + key.split(separator: ".").map { component in
            var words = ""
            for character in component {
                if character.isUppercase, !words.isEmpty { words += "_" }
                words += character.uppercased()
            }
            return words
        }.joined(separator: "_")
    }
}

// MARK: - ConfigCatalog

/// Every configuration key of `flywheel serve`, and the librdkafka pass-through sections.
enum ConfigCatalog {
    /// The keys, in the order `config check` prints them.
    static let entries: [ConfigEntry] = [
        ConfigEntry(key: "kafka.bootstrapServers", flag: "bootstrap-servers", kind: .stringList) { $0.bootstrapServers ?? "(embedded broker)" },
        ConfigEntry(key: "kafka.groupPrefix", flag: "group-prefix", kind: .string) { $0.groupPrefix },
        ConfigEntry(key: "kafka.fetchWaitMs", flag: "fetch-wait", kind: .int) { $0.fetchWait.map(String.init) ?? "(librdkafka's)" },
        ConfigEntry(key: "roles", flag: "role", kind: .stringList) { $0.role.map(\.rawValue).joined(separator: ",") },
        ConfigEntry(key: "task", flag: "task", kind: .string) { $0.task.rawValue },
        ConfigEntry(key: "classes", flag: "classes", kind: .int) { $0.loop.classes.map(String.init) ?? "(the schema's list)" },
        ConfigEntry(key: "schema", flag: "schema", kind: .string) { $0.schema },
        ConfigEntry(key: "state.registry", flag: "registry", kind: .string) { $0.registry },
        ConfigEntry(key: "state.feedback", flag: "feedback-state", kind: .string) { $0.feedbackState },
        ConfigEntry(key: "state.trainer", flag: "trainer-state", kind: .string) { $0.trainerState },
        ConfigEntry(key: "state.modelsSnapshot", flag: "models-snapshot", kind: .string) { $0.modelsSnapshot ?? "(none)" },
        ConfigEntry(key: "state.keepVersions", flag: "keep-versions", kind: .int) { "\($0.loop.keepVersions)" },
        ConfigEntry(key: "models.shadows", flag: "shadows", kind: .int) { $0.loop.shadows.map(String.init) ?? "(4; 3 for regression)" },
        ConfigEntry(key: "models.publishEvery", flag: "publish-every", kind: .int) { "\($0.loop.publishEvery)" },
        ConfigEntry(key: "models.saveEvery", flag: "save-every", kind: .int) { "\($0.loop.saveEvery)" },
        ConfigEntry(key: "promotion.rule", flag: "promotion-rule", kind: .string) { $0.loop.promotionRule.rawValue },
        ConfigEntry(key: "promotion.alpha", flag: "promotion-alpha", kind: .double) { "\($0.loop.promotionAlpha)" },
        ConfigEntry(key: "promotion.margin", flag: "promotion-margin", kind: .double) { "\($0.loop.promotionMargin)" },
        ConfigEntry(key: "promotion.minimumEvidence", flag: "promotion-min-evidence", kind: .int) { "\($0.loop.promotionMinEvidence ?? LoopOptions.defaultMinimumEvidence)" },
        ConfigEntry(key: "promotion.window", flag: "promotion-window", kind: .int) { "\($0.loop.promotionWindow)" },
        ConfigEntry(key: "promotion.windowMargin", flag: "window-margin", kind: .double) { "\($0.loop.windowMargin)" },
        ConfigEntry(key: "join.windowSeconds", flag: "join-window", kind: .double) { "\($0.loop.joinWindow)" },
        ConfigEntry(key: "drift.reportEvery", flag: "drift-report-every", kind: .int) { "\($0.loop.driftReportEvery)" },
        ConfigEntry(key: "drift.reportSeconds", flag: "drift-report-seconds", kind: .double) { $0.loop.driftReportSeconds.map { "\($0)" } ?? "(by examples only)" },
        ConfigEntry(key: "drift.referenceAfter", flag: "drift-reference-after", kind: .int) { "\($0.loop.driftReferenceAfter)" },
        ConfigEntry(key: "drift.referenceSize", flag: "drift-reference-size", kind: .int) { "\($0.loop.driftReferenceSize)" },
        ConfigEntry(key: "drift.alpha", flag: "drift-alpha", kind: .double) { "\($0.loop.driftAlpha)" },
        ConfigEntry(key: "labelGuard.mode", flag: "label-guard", kind: .string) { $0.loop.labelGuard.rawValue },
        ConfigEntry(key: "labelGuard.evidence", flag: "label-guard-evidence", kind: .double) { "\($0.loop.labelGuardEvidence)" },
        ConfigEntry(key: "http.address", flag: "http", kind: .string) { $0.http.defaultValueDescription },
        ConfigEntry(key: "admin.tokenFile", flag: "admin-token-file", kind: .string) { $0.adminTokenFile ?? "(none)" },
        ConfigEntry(key: "log.level", flag: "log-level", kind: .string) { $0.loop.logLevel.rawValue },
        ConfigEntry(key: "log.format", flag: "log-format", kind: .string) { $0.loop.logFormat.rawValue },
        ConfigEntry(key: "status.everySeconds", flag: "status-every", kind: .int) { "\($0.statusEvery)" },
    ]

    /// The librdkafka pass-through sections: `kafka.<section>` in the file (a map of property names to values),
    /// `FLYWHEEL_KAFKA_<SECTION>_<PROPERTY>` in the environment (the property's dots as underscores), and the flag
    /// each property becomes.
    static let propertySections: [(section: String, flag: String)] = [
        ("common", "property"), ("producer", "producer-property"), ("consumer", "consumer-property"),
    ]

    /// Environment variables read by other means that are not configuration keys.
    static let otherVariables: Set<String> = [AdminTokens.environmentVariable]

    /// Whether a librdkafka property holds a secret (masked wherever configuration is printed).
    static func isSecret(property: String) -> Bool {
        let name = property.lowercased()
        return ["password", "secret", "key.pem", "keystore", "token", "sasl.username", "ssl.key"].contains { name.contains($0) }
    }
}
