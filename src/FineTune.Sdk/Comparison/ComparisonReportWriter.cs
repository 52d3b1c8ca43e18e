using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace FineTune.Sdk;

/// <summary>
/// Writes a <see cref="ComparisonReport"/> as <c>compare.json</c> (the stable schema), <c>compare.md</c> (a pull-request
/// comment) and <c>compare.html</c> (one self-contained page with inline SVG charts, no external assets).
/// </summary>
public static class ComparisonReportWriter
{
    /// <summary>The number of regressions listed in the Markdown report.</summary>
    /// <value>20.</value>
    public const int MarkdownRegressions = 20;

    /// <summary>Writes <c>compare.json</c>, <c>compare.md</c> and <c>compare.html</c> into a folder (created if missing).</summary>
    /// <param name="report">The report.</param>
    /// <param name="directory">The folder.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <returns>A task that completes when the three files are written.</returns>
    public static async Task WriteAllAsync(ComparisonReport report, string directory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        // Each report is written whole or not at all (temporary file in the same folder, renamed).
        foreach (var (name, text) in new[] { ("compare.json", ToJson(report)), ("compare.md", ToMarkdown(report)), ("compare.html", ToHtml(report)) })
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            await AtomicFile.WriteAsync(Path.Combine(directory, name), (stream, token) => stream.WriteAsync(bytes, token).AsTask(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Serializes the report to the <c>compare.json</c> schema (indented, camelCase, nulls omitted).</summary>
    /// <param name="report">The report.</param>
    /// <returns>The JSON text.</returns>
    public static string ToJson(ComparisonReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var options = new JsonSerializerOptions(EvalJsonContext.Default.Options) { WriteIndented = true };
        return JsonSerializer.Serialize(report, new EvalJsonContext(options).ComparisonReport) + "\n";
    }

    /// <summary>Reads a <c>compare.json</c> back.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The report.</returns>
    /// <exception cref="JsonException">The text is not a comparison report.</exception>
    public static ComparisonReport FromJson(string json) =>
        JsonSerializer.Deserialize(json, EvalJsonContext.Default.ComparisonReport) ?? throw new JsonException("The JSON is not a comparison report.");

    /// <summary>Renders the Markdown report: summary, decision with every rule, bucket table, the worst regressions.</summary>
    /// <param name="report">The report.</param>
    /// <returns>Markdown text.</returns>
    public static string ToMarkdown(ComparisonReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var md = new StringBuilder();
        void Line(FormattableString text) => md.Append(text.ToString(CultureInfo.InvariantCulture)).Append('\n');
        var verdict = report.Decision.Passed ? "✅ PASS" : "❌ BLOCK";
        Line($"## Fine-tune evaluation: {verdict}");
        md.Append('\n');
        Line($"{Code(report.Candidate.ModelId)} (candidate) vs {Code(report.Baseline.ModelId)} (baseline) on {report.PairedCases} paired cases{(report.GoldenSet is null ? "" : $" of {Code(report.GoldenSet)}")}; primary scorer {Code(report.PrimaryScorer)}.");
        if (report.UnpairedCases > 0)
        {
            Line($"{report.UnpairedCases} case ids were answered by only one variant and are left out.");
        }

        var primary = report.Scorers.FirstOrDefault(s => s.Scorer == report.PrimaryScorer);
        if (primary is not null)
        {
            Line($"Primary score {Pct(primary.BaselineMean)} -> {Pct(primary.CandidateMean)} ({Signed(primary.LiftPoints)} points, 95% CI {Signed(primary.CiLowPoints)} to {Signed(primary.CiHighPoints)}); {primary.Regressions} regressions, {primary.Improvements} improvements, McNemar p = {P(primary.McNemarP)}.");
        }

        md.Append('\n').Append("### Decision\n\n| Rule | Requirement | Figure | Result |\n|---|---|---|---|\n");
        foreach (var rule in report.Decision.Rules)
        {
            var result = !rule.Applicable ? "n/a" : rule.Passed ? "pass" : rule.Blocking ? "**BLOCK**" : "warn";
            Line($"| {Code(rule.Rule)} | {Md(rule.Requirement)} | {Md(rule.Figure)} | {result} |");
        }

        md.Append("\n### Scorers\n\n| Scorer | Cases | Baseline | Candidate | Lift (pts) | 95% CI (pts) | Regr. | Impr. | McNemar p | Scorer failures |\n|---|---:|---:|---:|---:|---|---:|---:|---:|---:|\n");
        foreach (var s in report.Scorers)
        {
            Line($"| {Code(s.Scorer)} | {s.Cases} | {Pct(s.BaselineMean)} | {Pct(s.CandidateMean)} | {Signed(s.LiftPoints)} | {Signed(s.CiLowPoints)} to {Signed(s.CiHighPoints)} | {s.Regressions} | {s.Improvements} | {P(s.McNemarP)} | {s.BaselineScorerFailures}/{s.CandidateScorerFailures} |");
        }

        md.Append("\n### Buckets (primary scorer)\n\n| Bucket | Cases | Baseline | Candidate | Lift (pts) | Regr. | Impr. | McNemar p | Note |\n|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
        foreach (var b in report.Buckets)
        {
            var f = b.Figures;
            Line($"| {(b.IsSafety ? "🛡 " : "")}{Md(b.Bucket)} | {f.Cases} | {Pct(f.BaselineMean)} | {Pct(f.CandidateMean)} | {Signed(f.LiftPoints)} | {f.Regressions} | {f.Improvements} | {P(f.McNemarP)} | {Md(b.Note ?? "")} |");
        }

        md.Append("\n### Latency and cost\n\n| Variant | Model | Errors | p50 ms | p95 ms | p99 ms | In tok/case | Out tok/case | Cost/case |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var v in new[] { report.Baseline, report.Candidate })
        {
            Line($"| {Md(v.Label)} | {Code(v.ModelId)} | {v.Errors} | {v.LatencyP50Ms:0} | {v.LatencyP95Ms:0} | {v.LatencyP99Ms:0} | {v.MeanInputTokens?.ToString("0.0", CultureInfo.InvariantCulture) ?? "-"} | {v.MeanOutputTokens?.ToString("0.0", CultureInfo.InvariantCulture) ?? "-"} | {(v.MeanCost is { } c ? "$" + c.ToString("0.######", CultureInfo.InvariantCulture) : "-")} |");
        }

        Line($"\n### Worst regressions ({Math.Min(MarkdownRegressions, report.Regressions.Count)} of {report.Regressions.Count})\n");
        if (report.Regressions.Count == 0)
        {
            md.Append("None.\n");
        }
        else
        {
            md.Append("| Case | Tags | Baseline | Candidate | Candidate error |\n|---|---|---:|---:|---|\n");
            foreach (var r in report.Regressions.Take(MarkdownRegressions))
            {
                Line($"| {Code(r.CaseId)} | {Md(string.Join(", ", r.Tags))} | {r.BaselineScore:0.00} | {r.CandidateScore:0.00} | {Md(r.CandidateError ?? "")} |");
            }
        }

        return md.ToString();
    }

    /// <summary>Renders the self-contained HTML report with inline SVG charts.</summary>
    /// <param name="report">The report.</param>
    /// <returns>HTML text.</returns>
    public static string ToHtml(ComparisonReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder();
        void Add(FormattableString text) => html.Append(text.ToString(CultureInfo.InvariantCulture));
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Fine-tune evaluation</title><style>");
        html.Append("body{font-family:system-ui,sans-serif;margin:24px;color:#1f2328;background:#fff}table{border-collapse:collapse;margin:8px 0 20px}");
        html.Append("td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}");
        html.Append(".pass{color:#1a7f37;font-weight:bold}.block{color:#cf222e;font-weight:bold}.warn{color:#9a6700;font-weight:bold}");
        html.Append(".legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}h2{margin-top:28px}</style></head><body>\n");
        var verdictClass = report.Decision.Passed ? "pass" : "block";
        Add($"<h1>Fine-tune evaluation: <span class=\"{verdictClass}\">{(report.Decision.Passed ? "PASS" : "BLOCK")}</span></h1>\n");
        Add($"<p>Candidate <code>{E(report.Candidate.ModelId)}</code> vs baseline <code>{E(report.Baseline.ModelId)}</code> on {report.PairedCases} paired cases; primary scorer <code>{E(report.PrimaryScorer)}</code>. Generated {report.GeneratedAt:u}.</p>\n");
        html.Append("<p class=\"legend\"><span style=\"background:#8c959f\"></span>baseline<span style=\"background:#0969da\"></span>candidate</p>\n");

        html.Append("<h2>Decision</h2><table><tr><th>Rule</th><th>Requirement</th><th>Figure</th><th>Result</th></tr>\n");
        foreach (var rule in report.Decision.Rules)
        {
            var (cls, text) = !rule.Applicable ? ("", "n/a") : rule.Passed ? ("pass", "pass") : rule.Blocking ? ("block", "BLOCK") : ("warn", "warn");
            Add($"<tr><td>{E(rule.Rule)}</td><td>{E(rule.Requirement)}</td><td>{E(rule.Figure)}</td><td class=\"{cls}\">{text}</td></tr>\n");
        }

        html.Append("</table>\n<h2>Per-bucket scores</h2>\n");
        html.Append(BucketChart(report.Buckets));
        html.Append("<table><tr><th>Bucket</th><th>Cases</th><th>Baseline</th><th>Candidate</th><th>Lift (pts)</th><th>Regr.</th><th>Impr.</th><th>McNemar p</th><th>Note</th></tr>\n");
        foreach (var b in report.Buckets)
        {
            var f = b.Figures;
            Add($"<tr><td>{E(b.Bucket)}</td><td>{f.Cases}</td><td>{Pct(f.BaselineMean)}</td><td>{Pct(f.CandidateMean)}</td><td>{Signed(f.LiftPoints)}</td><td>{f.Regressions}</td><td>{f.Improvements}</td><td>{P(f.McNemarP)}</td><td>{E(b.Note ?? "")}</td></tr>\n");
        }

        html.Append("</table>\n<h2>Latency distribution</h2>\n");
        Add($"<p>p50/p95/p99: baseline {report.Baseline.LatencyP50Ms:0}/{report.Baseline.LatencyP95Ms:0}/{report.Baseline.LatencyP99Ms:0} ms; candidate {report.Candidate.LatencyP50Ms:0}/{report.Candidate.LatencyP95Ms:0}/{report.Candidate.LatencyP99Ms:0} ms.</p>\n");
        html.Append(Histogram(report.Charts.BaselineLatency, report.Charts.CandidateLatency, report.Charts.LatencyBinEdgesMs.Select(e => e.ToString("0", CultureInfo.InvariantCulture) + " ms").ToList(), "latency"));
        html.Append("<h2>Score histogram (primary scorer)</h2>\n");
        html.Append(Histogram(report.Charts.BaselineScores, report.Charts.CandidateScores, Enumerable.Range(1, 10).Select(i => (i / 10.0).ToString("0.0", CultureInfo.InvariantCulture)).ToList(), "scores"));

        Add($"<h2>Worst regressions ({Math.Min(MarkdownRegressions, report.Regressions.Count)} of {report.Regressions.Count})</h2><table><tr><th>Case</th><th>Tags</th><th>Baseline</th><th>Candidate</th><th>Error</th></tr>\n");
        foreach (var r in report.Regressions.Take(MarkdownRegressions))
        {
            Add($"<tr><td>{E(r.CaseId)}</td><td>{E(string.Join(", ", r.Tags))}</td><td>{r.BaselineScore:0.00}</td><td>{r.CandidateScore:0.00}</td><td>{E(r.CandidateError ?? "")}</td></tr>\n");
        }

        html.Append("</table></body></html>\n");
        return html.ToString();
    }

    private static string BucketChart(IReadOnlyList<BucketComparison> buckets)
    {
        const int RowHeight = 34, Left = 160, Width = 560;
        var svg = new StringBuilder();
        var height = Math.Max(1, buckets.Count) * RowHeight + 30;
        svg.Append(CultureInfo.InvariantCulture, $"<svg id=\"chart-buckets\" width=\"{Left + Width + 80}\" height=\"{height}\" role=\"img\" aria-label=\"Per-bucket scores\">");
        for (var i = 0; i <= 4; i++)
        {
            var x = Left + Width * i / 4;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x}\" y1=\"0\" x2=\"{x}\" y2=\"{height - 24}\" stroke=\"#d0d7de\"/><text x=\"{x}\" y=\"{height - 8}\" font-size=\"11\" text-anchor=\"middle\">{i * 25}%</text>");
        }

        for (var i = 0; i < buckets.Count; i++)
        {
            var y = i * RowHeight + 4;
            var f = buckets[i].Figures;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 8}\" y=\"{y + 18}\" font-size=\"12\" text-anchor=\"end\">{E(Truncate(buckets[i].Bucket, 22))}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{y}\" width=\"{Math.Max(1, f.BaselineMean * Width):0.#}\" height=\"13\" fill=\"#8c959f\"><title>baseline {Pct(f.BaselineMean)}</title></rect>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{y + 14}\" width=\"{Math.Max(1, f.CandidateMean * Width):0.#}\" height=\"13\" fill=\"#0969da\"><title>candidate {Pct(f.CandidateMean)}</title></rect>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + Math.Max(f.BaselineMean, f.CandidateMean) * Width + 6:0.#}\" y=\"{y + 18}\" font-size=\"11\">{Signed(f.LiftPoints)}</text>");
        }

        return svg.Append("</svg>\n").ToString();
    }

    private static string Histogram(IReadOnlyList<int> baseline, IReadOnlyList<int> candidate, List<string> labels, string id)
    {
        const int Height = 220, Left = 40, Width = 720, Bottom = 40;
        var bins = Math.Max(1, Math.Max(baseline.Count, candidate.Count));
        var max = Math.Max(1, baseline.Concat(candidate).DefaultIfEmpty(0).Max());
        var binWidth = (double)Width / bins;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg id=\"chart-{id}\" width=\"{Left + Width + 20}\" height=\"{Height + Bottom}\" role=\"img\" aria-label=\"{id} histogram\">");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Height}\" x2=\"{Left + Width}\" y2=\"{Height}\" stroke=\"#57606a\"/><line x1=\"{Left}\" y1=\"0\" x2=\"{Left}\" y2=\"{Height}\" stroke=\"#57606a\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 4}\" y=\"12\" font-size=\"11\" text-anchor=\"end\">{max}</text><text x=\"{Left - 4}\" y=\"{Height}\" font-size=\"11\" text-anchor=\"end\">0</text>");
        for (var i = 0; i < bins; i++)
        {
            var x = Left + i * binWidth;
            var b = i < baseline.Count ? baseline[i] : 0;
            var c = i < candidate.Count ? candidate[i] : 0;
            var hb = (double)b / max * (Height - 10);
            var hc = (double)c / max * (Height - 10);
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x + 1:0.#}\" y=\"{Height - hb:0.#}\" width=\"{binWidth / 2 - 1:0.#}\" height=\"{hb:0.#}\" fill=\"#8c959f\"><title>baseline {b}</title></rect>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x + binWidth / 2:0.#}\" y=\"{Height - hc:0.#}\" width=\"{binWidth / 2 - 1:0.#}\" height=\"{hc:0.#}\" fill=\"#0969da\"><title>candidate {c}</title></rect>");
            if (i < labels.Count && (bins <= 10 || i % 4 == 3))
            {
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + binWidth:0.#}\" y=\"{Height + 16}\" font-size=\"10\" text-anchor=\"end\">≤{E(labels[i])}</text>");
            }
        }

        return svg.Append("</svg>\n").ToString();
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";

    private static string E(string text) => WebUtility.HtmlEncode(WithoutControls(text));

    // NUL and the other C0 controls are parse errors in HTML and invisible in Markdown: shown as U+FFFD.
    private static string WithoutControls(string text) =>
        text.AsSpan().IndexOfAnyInRange('\0', '\u001f') < 0 ? text
            : string.Create(text.Length, text, static (span, source) =>
            {
                for (var i = 0; i < span.Length; i++)
                {
                    var c = source[i];
                    span[i] = c < ' ' && c is not ('\t' or '\n' or '\r') ? '\uFFFD' : c;
                }
            });

    // Plain Markdown text: one line, every ASCII character that can start markup (or a table cell) backslash-escaped.
    private static string Md(string text)
    {
        var clean = WithoutControls(text);
        var md = new StringBuilder(clean.Length + 8);
        foreach (var c in clean)
        {
            if (c is '\n' or '\r')
            {
                md.Append(' ');
                continue;
            }

            if (c is '\\' or '`' or '*' or '_' or '[' or ']' or '<' or '>' or '#' or '!' or '|' or '~' or '&')
            {
                md.Append('\\');
            }

            md.Append(c);
        }

        return md.ToString();
    }

    // A Markdown code span: fenced with one backtick more than the longest run inside, pipes escaped for tables.
    private static string Code(string text)
    {
        // A table splits cells at a pipe unless a backslash escapes it, and a backslash escapes a backslash: so a pipe
        // becomes \| and each backslash in a run before a pipe is doubled.
        var source = WithoutControls(text).Replace('\n', ' ').Replace('\r', ' ');
        var escaped = new StringBuilder(source.Length + 4);
        for (var i = 0; i < source.Length; i++)
        {
            var end = i;
            while (end < source.Length && source[end] == '\\')
            {
                end++;
            }

            var beforePipe = end < source.Length && source[end] == '|';
            if (end > i)
            {
                escaped.Append('\\', beforePipe ? 2 * (end - i) : end - i);
                i = end - 1;
                continue;
            }

            escaped.Append(source[i] == '|' ? "\\|" : source[i].ToString());
        }

        var clean = escaped.ToString();
        int longest = 0, run = 0;
        foreach (var c in clean)
        {
            run = c == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        var fence = new string('`', longest + 1);
        var pad = clean.Length == 0 || clean.StartsWith('`') || clean.EndsWith('`') ? " " : string.Empty; // `` alone is not a code span
        return fence + pad + clean + pad + fence;
    }

    private static string Pct(double value) => AcceptancePolicyEvaluator.Pct(value);

    private static string Signed(double value) => AcceptancePolicyEvaluator.Signed(value);

    private static string P(double p) => p < 0.0001 ? "<0.0001" : p.ToString("0.0000", CultureInfo.InvariantCulture);
}
