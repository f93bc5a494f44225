import FlywheelEvents
import Foundation

// MARK: - ReportPage

/// Renders a ``HistoryReport`` as one self-contained HTML page: inline CSS, inline SVG charts, no script and no
/// external URL — it opens from a file, offline, anywhere.
public enum ReportPage {
    /// The page; with `refreshSeconds`, the browser reloads it that often (the live page `serve --http` serves).
    public static func html(_ report: HistoryReport, refreshSeconds: Int? = nil) -> String {
        let alarms = report.models.reduce(0) { $0 + $1.points.filter(\.alarm).count }
        let range = timeRange(report)
        var body = """
            <h1>Flywheel drift report</h1>
            <p class="meta">Registry <code>\(escape(report.registry))</code> · generated \(escape(date(report.generatedAt))) ·
            \(report.models.count) models · \(report.decisions.count) decisions · \(alarms) drift alarms</p>
            <p class="legend"><span class="sw champ"></span> serving (champion) <span class="sw shadow"></span> shadow
            <span class="sw alarm"></span> ADWIN drift alarm <span class="sw promo"></span> promotion
            <span class="sw roll"></span> rollback</p>

            """
        for model in report.models {
            body += "<section class=\"model\"><h2>\(escape(model.id)) — windowed \((DriftMetric(rawValue: model.metric) ?? .accuracy).displayName)</h2>\n"
            body += chart(model, decisions: report.decisions, range: range) + "\n</section>\n"
        }
        body += featureSection(report)
        body += coverageSection(report, range: range)
        body += estimateSection(report)
        body += decisionSection(report)
        body += evidenceSection(report)
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">\(refreshSeconds.map { "<meta http-equiv=\"refresh\" content=\"\($0)\">" } ?? "")<title>Flywheel drift report</title>
            <style>\(style)</style></head>
            <body>
            \(body)
            </body></html>

            """
    }

    static let style = """
        body{font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1d2433;margin:24px auto;max-width:1000px;padding:0 16px}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:22px 0 6px}.meta{color:#5b6475;margin:0 0 8px}
        code{background:#f1f3f7;padding:1px 4px;border-radius:3px}
        .legend .sw{display:inline-block;width:14px;height:10px;margin:0 4px 0 12px;vertical-align:middle}
        .sw.champ{background:#2457c5}.sw.shadow{background:#9fb3dd}.sw.alarm{background:#d93f3f}.sw.promo{background:#1f9d55}.sw.roll{background:#e08a00}
        table{border-collapse:collapse;width:100%;font-size:13px}th,td{padding:4px 8px;border-bottom:1px solid #e3e6ec;text-align:left;vertical-align:middle}
        th{background:#f6f7f9;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
        tr.drift td{background:#fdecec}.yes{color:#c22;font-weight:600}.no{color:#5b6475}
        svg text{font:11px -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;fill:#5b6475}
        """

    // MARK: Charts

    private static func timeRange(_ report: HistoryReport) -> (Double, Double) {
        let times = report.models.flatMap { $0.points.map(\.ts) } + report.decisions.map(\.ts)
        guard let low = times.min(), let high = times.max(), high > low else {
            let t = times.first ?? 0
            return (t - 1, t + 1)
        }
        return (low, high)
    }

    private static func chart(_ model: HistoryReport.ModelHistory, decisions: [HistoryReport.Decision], range: (Double, Double)) -> String {
        let width = 960.0, height = 220.0, left = 52.0, right = 12.0, top = 12.0, bottom = 28.0
        let values = model.points.map(\.value)
        var low = values.min() ?? 0, high = values.max() ?? 1
        if high - low < 1e-9 { low -= 0.05; high += 0.05 }
        let pad = (high - low) * 0.08
        low -= pad
        high += pad
        func x(_ ts: Double) -> Double { left + (ts - range.0) / (range.1 - range.0) * (width - left - right) }
        func y(_ value: Double) -> Double { top + (high - value) / (high - low) * (height - top - bottom) }
        var svg = "<svg width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(escape(model.id)) over time\">"
        svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(width - left - right)\" height=\"\(height - top - bottom)\" fill=\"#fbfcfd\" stroke=\"#e3e6ec\"/>"
        for step in 0...4 {
            let value = low + (high - low) * Double(step) / 4
            svg += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(f(y(value)))\" y2=\"\(f(y(value)))\" stroke=\"#eef0f4\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(f(y(value) + 4))\" text-anchor=\"end\">\(String(format: "%.3f", value))</text>"
        }
        for step in 0...4 {
            let ts = range.0 + (range.1 - range.0) * Double(step) / 4
            svg += "<text x=\"\(f(x(ts)))\" y=\"\(height - 8)\" text-anchor=\"middle\">+\(String(format: "%.0f", ts - range.0)) s</text>"
        }
        for decision in decisions where decision.kind == "promotion" || decision.kind == "rollback" {
            let colour = decision.kind == "rollback" ? "#e08a00" : "#1f9d55"
            svg += "<line x1=\"\(f(x(decision.ts)))\" x2=\"\(f(x(decision.ts)))\" y1=\"\(top)\" y2=\"\(height - bottom)\" stroke=\"\(colour)\" stroke-width=\"1.5\"><title>\(escape(decision.kind)): \(escape(decision.winner)) replaces \(escape(decision.loser))</title></line>"
        }
        let regular = model.points
        if regular.count > 1 {
            let path = regular.map { "\(f(x($0.ts))),\(f(y($0.value)))" }.joined(separator: " ")
            svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"#9fb3dd\" stroke-width=\"1.5\"/>"
        }
        for point in regular {
            let colour = point.alarm ? "#d93f3f" : (point.champion ? "#2457c5" : "#9fb3dd")
            let radius = point.alarm ? 4.5 : 3
            svg += "<circle cx=\"\(f(x(point.ts)))\" cy=\"\(f(y(point.value)))\" r=\"\(radius)\" fill=\"\(colour)\"><title>v\(point.version): \(String(format: "%.4f", point.value)) over \(point.examples) examples\(point.alarm ? " — drift alarm" : "")\(point.champion ? " (serving)" : "")</title></circle>"
        }
        return svg + "</svg>"
    }

    // MARK: Tables

    private static func featureSection(_ report: HistoryReport) -> String {
        guard !report.features.isEmpty else {
            return "<h2>Feature drift</h2><p class=\"meta\">No feature table yet (the reference window is still filling).</p>\n"
        }
        var html = "<h2>Feature drift — newest window\(report.featuresTs.map { " (" + escape(date($0)) + ")" } ?? "")</h2>\n"
        html += "<p class=\"meta\">Each feature's test (KS for numbers, chi-square for categories) after Benjamini-Hochberg across features decides; PSI, Jensen-Shannon, Hellinger and Wasserstein/sd inform against customary thresholds. Bars: reference (grey) and newest window (blue) per bin.</p>\n"
        html += "<table><tr><th>feature</th><th>statistic</th><th>value</th><th>threshold</th><th>drifted?</th><th>reference vs current</th></tr>\n"
        for entry in report.features {
            html += "<tr class=\"\(entry.drifted ? "drift" : "")\"><td>\(escape(entry.name))</td><td>\(escape(entry.statistic))</td>"
            html += "<td class=\"num\">\(String(format: "%.4g", entry.value))</td><td class=\"num\">\(String(format: "%.4g", entry.threshold))</td>"
            html += "<td class=\"\(entry.drifted ? "yes" : "no")\">\(entry.drifted ? "yes" : "no")</td><td>\(histogram(entry))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    private static func histogram(_ entry: DriftReport.FeatureDrift) -> String {
        guard let reference = entry.reference, let current = entry.current, reference.count == current.count, !reference.isEmpty else {
            return ""
        }
        let width = 180.0, height = 36.0
        let slot = width / Double(reference.count)
        let top = max(reference.max() ?? 0, current.max() ?? 0, 1e-9)
        var svg = "<svg width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">"
        for index in reference.indices {
            let label = entry.bins.map { $0.indices.contains(index) ? $0[index] : "" } ?? ""
            for (offset, value, colour) in [(0.0, reference[index], "#b7bdc8"), (0.5, current[index], "#2457c5")] {
                let barHeight = value / top * (height - 2)
                svg += "<rect x=\"\(f(Double(index) * slot + offset * slot * 0.9))\" y=\"\(f(height - barHeight))\" width=\"\(f(slot * 0.42))\" height=\"\(f(barHeight))\" fill=\"\(colour)\"><title>\(escape(label)): \(String(format: "%.3f", value))</title></rect>"
            }
        }
        return svg + "</svg>"
    }

    private static func coverageSection(_ report: HistoryReport, range: (Double, Double)) -> String {
        guard let last = report.labelCoverage.last else { return "" }
        let minimum = report.labelCoverage.map { $0[1] }.min() ?? 1
        return "<h2>Label coverage</h2><p>Predictions joined with their label, of those joined or given up on: <b>\(String(format: "%.2f%%", last[1] * 100))</b> at the newest window (lowest over the run: \(String(format: "%.2f%%", minimum * 100)); \(report.labelCoverage.count) windows).</p>\n"
    }

    /// The serving model's accuracy estimated for the predictions still waiting for labels, next to the realized
    /// accuracy of each window's labelled ones: the newest windows.
    private static func estimateSection(_ report: HistoryReport) -> String {
        guard !report.accuracyEstimates.isEmpty else { return "" }
        var html = "<h2>Accuracy while labels are in flight</h2>\n<p class=\"meta\">The serving model's accuracy estimated "
            + "for the predictions still waiting for their labels (each one's confidence, calibrated on the labels joined so "
            + "far), next to the realized accuracy of the window's labelled predictions. It cannot see a change of concept "
            + "that leaves the inputs as they were until the labels show it.</p>\n"
        html += "<table><tr><th>when</th><th>realized (window)</th><th>estimated (in flight)</th><th>in flight</th></tr>\n"
        for row in report.accuracyEstimates.suffix(12) {
            html += "<tr><td>\(escape(date(row[0])))</td><td>\(String(format: "%.4f", row[1]))</td><td>\(String(format: "%.4f", row[2]))</td><td>\(Int(row[3]))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    private static func decisionSection(_ report: HistoryReport) -> String {
        var html = "<h2>Decisions: promotions, rollbacks, retirements, freezes, label-guard pauses</h2>\n"
        guard !report.decisions.isEmpty else { return html + "<p class=\"meta\">None.</p>\n" }
        html += "<table><tr><th>when</th><th>kind</th><th>model</th><th>compared with</th><th>decided by</th><th>evidence</th></tr>\n"
        for decision in report.decisions {
            // A retirement names the retired challenger as its model and the champion it lost to as "replaces"; an
            // operator's freeze or unfreeze, or a label-guard pause or resumption, names the champion then, and
            // compares nothing.
            let freeze = ["freeze", "unfreeze", "labelsSuspect", "labelsTrusted"].contains(decision.kind)
            html += "<tr><td>\(escape(date(decision.ts)))</td><td>\(escape(decision.kind))</td><td>\(escape(decision.winner))</td><td>\(freeze ? "—" : escape(decision.loser))</td><td>\(escape(decision.actor))</td><td>\(escape(evidenceSummary(decision.evidence)))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    // MARK: Helpers

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    static func date(_ ts: Double) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: ts))
    }

    /// Escapes text for HTML.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
