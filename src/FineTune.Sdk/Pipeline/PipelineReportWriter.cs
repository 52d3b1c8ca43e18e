using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace FineTune.Sdk;

/// <summary>The run report as <c>report.json</c> (schema version 1).</summary>
internal sealed class PipelineReport
{
    public int SchemaVersion { get; set; } = 1;

    public string RunId { get; set; } = string.Empty;

    public string Pipeline { get; set; } = string.Empty;

    public string Provider { get; set; } = string.Empty;

    public string BaseModel { get; set; } = string.Empty;

    public string Status { get; set; } = string.Empty;

    public string? StoppedAt { get; set; }

    public string? StopReason { get; set; }

    public List<string> CompletedSteps { get; set; } = [];

    public List<string> Warnings { get; set; } = [];

    public string DatasetSha256 { get; set; } = string.Empty;

    public PipelineRunState.DatasetSection? Dataset { get; set; }

    public PipelineRunState.RedactionSection? Redaction { get; set; }

    public PipelineRunState.SplitSection? Split { get; set; }

    public PipelineRunState.EstimateSection? Estimate { get; set; }

    public long? TrainedTokens { get; set; }

    public PipelineRunState.ConversionSection? Conversion { get; set; }

    public PipelineRunState.UploadSection? Upload { get; set; }

    public PipelineRunState.JobSection? Job { get; set; }

    public PipelineRunState.SweepSection? Sweep { get; set; }

    public List<PipelineRunState.MetricPoint> Metrics { get; set; } = [];

    public List<PipelineRunState.DiagnosisFinding> Diagnosis { get; set; } = [];

    public PipelineRunState.HostingSection? Hosting { get; set; }

    public PipelineRunState.ComparisonSection? Comparison { get; set; }

    public string? ComparisonReport { get; set; }

    public PipelineRunState.RegistrationSection? Registration { get; set; }
}

/// <summary>Writes <c>report.json</c>, <c>report.md</c> and a self-contained <c>report.html</c> (inline CSS and SVG, every value escaped).</summary>
internal static class PipelineReportWriter
{
    public static async Task WriteAllAsync(PipelineRunState state, FineTunePipelineDefinition definition, string outputDirectory, CancellationToken cancellationToken)
    {
        var report = Build(state, outputDirectory);
        await FineTunePipeline.WriteAtomicAsync(Path.Combine(outputDirectory, "report.json"), JsonSerializer.SerializeToUtf8Bytes(report, PipelineJsonContext.Default.PipelineReport), cancellationToken).ConfigureAwait(false);
        await FineTunePipeline.WriteAtomicAsync(Path.Combine(outputDirectory, "report.md"), Encoding.UTF8.GetBytes(ToMarkdown(report)), cancellationToken).ConfigureAwait(false);
        await FineTunePipeline.WriteAtomicAsync(Path.Combine(outputDirectory, "report.html"), Encoding.UTF8.GetBytes(ToHtml(report, definition)), cancellationToken).ConfigureAwait(false);
    }

    internal static PipelineReport Build(PipelineRunState state, string outputDirectory) => new()
    {
        RunId = state.RunId,
        Pipeline = state.Pipeline,
        Provider = state.Provider,
        BaseModel = state.BaseModel,
        Status = state.StopReason is not null ? "stopped" : state.CompletedSteps.Count == PipelineSteps.All.Count ? "completed" : "running",
        StoppedAt = state.StoppedAt,
        StopReason = state.StopReason,
        CompletedSteps = [.. state.CompletedSteps],
        Warnings = [.. state.Warnings],
        DatasetSha256 = state.DatasetSha256,
        Dataset = state.Dataset,
        Redaction = state.Redaction,
        Split = state.Split,
        Estimate = state.Estimate,
        TrainedTokens = state.Sweep is { } sweep && sweep.Jobs.Any(j => j.Job?.TrainedTokens is not null) ? sweep.Jobs.Sum(j => j.Job?.TrainedTokens ?? 0) : state.Job?.TrainedTokens,
        Conversion = state.Conversion,
        Upload = state.Upload,
        Job = state.Job,
        Sweep = state.Sweep,
        Metrics = state.Metrics,
        Diagnosis = state.Diagnosis,
        Hosting = state.Hosting,
        Comparison = state.Comparison,
        ComparisonReport = state.Comparison is null ? null : File.Exists(Path.Combine(outputDirectory, "compare.html")) ? "compare.html" : null,
        Registration = state.Registration,
    };

    internal static string ToMarkdown(PipelineReport r)
    {
        var sb = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        sb.Append(c, $"# Fine-tuning run {Md(r.RunId)}\n\n");
        sb.Append(c, $"- Status: **{Md(r.Status)}**{(r.StopReason is { } why ? $" at {Md(r.StoppedAt)}: {Md(why)}" : string.Empty)}\n");
        sb.Append(c, $"- Provider {Md(r.Provider)}, base model `{Md(r.BaseModel)}`\n");
        sb.Append(c, $"- Steps done: {Md(string.Join(", ", r.CompletedSteps))}\n\n");
        if (r.Dataset is { } d)
        {
            sb.Append(c, $"## Dataset\n\n{Md(d.Name)} (SHA-256 `{r.DatasetSha256[..Math.Min(16, r.DatasetSha256.Length)]}…`): {d.Rows} rows, {Md(d.Format)}, {d.Errors} errors, {d.Warnings} warnings");
            sb.Append(d.Tokens is { } t ? string.Create(c, $", {t:N0} tokens") : string.Empty).Append(".\n");
            if (r.Split is { } s)
            {
                sb.Append(c, $"Split (seed {s.Seed}): train {s.TrainRows}, validation {s.ValidationRows}, holdout {s.HoldoutRows}.\n");
            }

            if (r.Conversion is { } conv)
            {
                sb.Append(c, $"Converted to {Md(conv.Format)}: train {conv.TrainRows} rows ({conv.TrainTokens:N0} tokens), validation {conv.ValidationRows} rows ({conv.ValidationTokens:N0} tokens); tokens {(conv.TokensAreEstimates ? "estimated: " : "counted: ")}{Md(conv.TokenCountMethod)}.\n");
            }

            sb.Append('\n');
        }

        if (r.Estimate is { } e)
        {
            sb.Append(c, $"## Cost\n\nEstimate: {e.TrainingTokensPerEpoch:N0} tokens/epoch × {e.Epochs} epochs = {e.BilledTokens:N0} billed tokens, ${e.TotalUsd:0.####}");
            sb.Append(e.BudgetUsd is { } cap ? string.Create(c, $" (cap ${cap:0.##})") : string.Empty);
            sb.Append(r.TrainedTokens is { } trained ? string.Create(c, $". Trained tokens reported by the provider: {trained:N0} ({Ratio(trained, e.BilledTokens)} of the estimate)") : string.Empty).Append(".\n");
            if (e.Hosting is { } hosting)
            {
                sb.Append(c, $"Of which training ${e.TrainingUsd:0.####} and hosting for the comparison {(e.HostingUsd is { } h ? "$" + h.ToString("0.####", c) : "not priced")}: {Md(hosting)}.\n");
            }

            sb.Append('\n');
        }

        if (r.Job is { } j)
        {
            sb.Append(c, $"## Training\n\nJob `{Md(j.Id)}`: {Md(j.Status)}{(j.FineTunedModel is { } m ? $", model `{Md(m)}`" : string.Empty)}; epochs {j.Epochs}, batch size {j.BatchSize}, learning-rate multiplier {j.LearningRateMultiplier}.\n");
            if (r.Metrics.Count > 0)
            {
                var last = r.Metrics[^1];
                sb.Append(c, $"Loss: {r.Metrics.Count} steps, train {r.Metrics[0].TrainLoss:0.###} → {last.TrainLoss:0.###}");
                sb.Append(r.Metrics.LastOrDefault(p => p.ValidLoss is not null)?.ValidLoss is { } v ? string.Create(c, $", last validation {v:0.###}") : string.Empty).Append(".\n");
            }

            sb.Append('\n');
        }

        if (r.Sweep is { } sweep)
        {
            sb.Append(c, $"## Sweep\n\n{sweep.Jobs.Count} jobs, at most {sweep.MaxConcurrentJobs} at once. Winner: {(sweep.Winner is { } w ? "#" + w.ToString(c) : "not decided yet")}{(sweep.WinnerRule is { } rule ? " — " + Md(rule) : string.Empty)}. Only the winner is compared in full and registered.\n\n");
            sb.Append("| # | epochs | lr multiplier | job | status | final validation loss | final training loss | estimate | trained tokens | findings | tie-break pass rate |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
            foreach (var g in sweep.Jobs)
            {
                sb.Append(c, $"| {g.Point}{(sweep.Winner == g.Point ? " (winner)" : string.Empty)} | {Md(Auto(g.Epochs?.ToString(c)))} | {Md(Auto(g.LearningRateMultiplier?.ToString(c)))} | {Md(g.Job?.Id ?? "not started")} | {Md(g.Job?.Status)} | {Loss(g.FinalValidLoss)} | {Loss(g.FinalTrainLoss)} | ${g.EstimateUsd:0.####} | {(g.Job?.TrainedTokens is { } t ? t.ToString("N0", c) : "—")} | {Md(g.Diagnosis.Count == 0 ? "none" : string.Join(", ", g.Diagnosis.Select(f => f.Code)))} | {(g.TieBreakPassRate is { } p ? (p * 100).ToString("0.0", c) + "%" : "—")} |\n");
            }

            sb.Append('\n');
            foreach (var g in sweep.Jobs.Where(x => x.Diagnosis.Count > 0))
            {
                foreach (var f in g.Diagnosis)
                {
                    sb.Append(c, $"- #{g.Point} {Md(f.Severity)} `{Md(f.Code)}`: {Md(f.Message)}{(f.Advice is { } a ? " " + Md(a) : string.Empty)}\n");
                }
            }

            sb.Append('\n');
        }

        sb.Append("## Diagnostics\n\n");
        if (r.Diagnosis.Count == 0)
        {
            sb.Append(r.Metrics.Count > 0 ? "No findings.\n\n" : "Not run.\n\n");
        }

        foreach (var f in r.Diagnosis)
        {
            sb.Append(c, $"- {Md(f.Severity)} `{Md(f.Code)}`: {Md(f.Message)}{(f.Advice is { } a ? " " + Md(a) : string.Empty)}\n");
        }

        if (r.Diagnosis.Count > 0)
        {
            sb.Append('\n');
        }

        if (r.Hosting is { } ho)
        {
            sb.Append(c, $"## Hosting\n\n{Md(ho.Kind)} `{Md(ho.Id ?? "not created")}`: {(ho.Released ? "created for the comparison, then **deleted**" : ho.Kept ? "created and **kept** (it bills until you delete it)" : "created, " + Md(ho.Status))}.\n\n");
        }

        if (r.Comparison is { } cmp)
        {
            sb.Append(c, $"## Comparison: {(cmp.Passed ? "PASS" : "BLOCK")}\n\n{Md(cmp.PrimaryScorer)} on {cmp.Cases} cases of {Md(cmp.GoldenSet)}: base {cmp.BaselinePassRate * 100:0.0}% → candidate {cmp.CandidatePassRate * 100:0.0}%. Details: compare.html.\n\n");
            foreach (var rule in cmp.Rules)
            {
                sb.Append(c, $"- {(rule.Passed ? "pass" : rule.Blocking ? "BLOCK" : "warn")} {Md(rule.Rule)}: {Md(rule.Figure)}\n");
            }

            sb.Append('\n');
        }

        if (r.Registration is { } reg)
        {
            sb.Append(c, $"## Registry\n\n{Md(reg.Feature)}/{Md(reg.Variant)}: {Md(reg.Status)} (not promoted; promote with `finetune registry promote`).\n\n");
        }

        if (r.Warnings.Count > 0)
        {
            sb.Append("## Warnings\n\n");
            foreach (var w in r.Warnings)
            {
                sb.Append("- ").Append(Md(w)).Append('\n');
            }
        }

        return sb.ToString();
    }

    internal static string ToHtml(PipelineReport r, FineTunePipelineDefinition definition)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        sb.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">");
        sb.Append(c, $"<title>Fine-tuning run {H(r.RunId)}</title>");
        sb.Append("<style>body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#222}h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}")
          .Append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}.pass{color:#176c2e;font-weight:bold}.block{color:#b00020;font-weight:bold}.warn{color:#8a5a00}")
          .Append("code{background:#f4f4f4;padding:0 .2em}svg{background:#fafafa;border:1px solid #ddd}</style></head><body>\n");
        sb.Append(c, $"<h1>Fine-tuning run <code id=\"run-id\">{H(r.RunId)}</code></h1>\n");
        sb.Append(c, $"<p id=\"status\" class=\"{(r.Status == "stopped" ? "block" : "pass")}\">Status: {H(r.Status)}{(r.StopReason is { } why ? $" at {H(r.StoppedAt)}: {H(why)}" : string.Empty)}</p>\n");
        sb.Append(c, $"<p>Pipeline <code>{H(r.Pipeline)}</code>, provider {H(r.Provider)}, base model <code>{H(r.BaseModel)}</code>. Steps done: {H(string.Join(", ", r.CompletedSteps))}.</p>\n");

        sb.Append("<h2>Dataset</h2>\n");
        if (r.Dataset is { } d)
        {
            sb.Append("<table id=\"dataset\">");
            Row(sb, "File", H(d.Name));
            Row(sb, "SHA-256", "<code>" + H(r.DatasetSha256) + "</code>");
            Row(sb, "Rows", d.Rows.ToString(c));
            Row(sb, "Format", H(d.Format));
            Row(sb, "Errors / warnings", string.Create(c, $"{d.Errors} / {d.Warnings}"));
            if (d.Tokens is { } tokens)
            {
                Row(sb, "Tokens", tokens.ToString("N0", c));
            }

            if (r.Split is { } s)
            {
                Row(sb, "Split", string.Create(c, $"train {s.TrainRows}, validation {s.ValidationRows}, holdout {s.HoldoutRows} (seed {s.Seed})"));
            }

            if (r.Redaction is { } red)
            {
                Row(sb, "Redacted rows", red.RedactedRows.ToString(c));
            }

            sb.Append("</table>\n");
        }
        else
        {
            sb.Append("<p>Not validated yet.</p>\n");
        }

        sb.Append("<h2>Cost</h2>\n");
        if (r.Estimate is { } e)
        {
            sb.Append("<table id=\"cost\">");
            Row(sb, "Estimated billed tokens", string.Create(c, $"{e.TrainingTokensPerEpoch:N0} per epoch × {e.Epochs} epochs{(e.EpochsAreAutomatic ? " (auto)" : string.Empty)} = {e.BilledTokens:N0}"));
            Row(sb, "Estimated cost", string.Create(c, $"${e.TotalUsd:0.####}{(e.BudgetUsd is { } cap ? $" (cap ${cap:0.##})" : string.Empty)}"));
            Row(sb, "Trained tokens (provider)", r.TrainedTokens is { } t ? string.Create(c, $"{t:N0} ({Ratio(t, e.BilledTokens)} of the estimate)") : "—");
            if (e.Hosting is { } hosting)
            {
                Row(sb, "Of which training", string.Create(c, $"${e.TrainingUsd:0.####}{(e.TokensAreEstimates ? " (tokens estimated)" : string.Empty)}"));
                Row(sb, "Of which hosting for the comparison", string.Create(c, $"{(e.HostingUsd is { } h ? "$" + h.ToString("0.####", c) : "not priced")}: {H(hosting)}"));
            }

            sb.Append("</table>\n");
        }
        else
        {
            sb.Append("<p>Not estimated yet.</p>\n");
        }

        sb.Append("<h2>Training</h2>\n");
        if (r.Job is { } j)
        {
            sb.Append(c, $"<p>Job <code id=\"job-id\">{H(j.Id)}</code>: {H(j.Status)}{(j.FineTunedModel is { } m ? $", model <code id=\"model-id\">{H(m)}</code>" : string.Empty)}{(j.ErrorCode is { } code ? $", error {H(code)}: {H(j.ErrorMessage)}" : string.Empty)}.</p>\n");
        }

        sb.Append(LossChart(r.Metrics));

        if (r.Sweep is { } sweep)
        {
            sb.Append(c, $"<h2>Sweep</h2>\n<p id=\"sweep-winner\">{sweep.Jobs.Count} jobs, at most {sweep.MaxConcurrentJobs} at once. Winner: {(sweep.Winner is { } w ? "#" + w.ToString(c) : "not decided yet")}{(sweep.WinnerRule is { } rule ? " — " + H(rule) : string.Empty)}. Only the winner is compared in full and registered.</p>\n");
            sb.Append("<table id=\"sweep\"><tr><th>#</th><th>epochs</th><th>lr multiplier</th><th>job</th><th>status</th><th>final validation loss</th><th>final training loss</th><th>estimate</th><th>trained tokens</th><th>findings</th><th>tie-break pass rate</th></tr>");
            foreach (var g in sweep.Jobs)
            {
                var findings = string.Join("<br>", g.Diagnosis.Select(f => $"<code>{H(f.Code)}</code> {H(f.Message)} {H(f.Advice)}"));
                sb.Append(c, $"<tr{(sweep.Winner == g.Point ? " class=\"pass\"" : string.Empty)}><td>{g.Point}{(sweep.Winner == g.Point ? " (winner)" : string.Empty)}</td><td>{H(Auto(g.Epochs?.ToString(c)))}</td><td>{H(Auto(g.LearningRateMultiplier?.ToString(c)))}</td><td><code>{H(g.Job?.Id ?? "not started")}</code></td><td>{H(g.Job?.Status)}</td><td>{Loss(g.FinalValidLoss)}</td><td>{Loss(g.FinalTrainLoss)}</td><td>${g.EstimateUsd:0.####}</td><td>{(g.Job?.TrainedTokens is { } t ? t.ToString("N0", c) : "—")}</td><td>{(findings.Length == 0 ? "none" : findings)}</td><td>{(g.TieBreakPassRate is { } p ? (p * 100).ToString("0.0", c) + "%" : "—")}</td></tr>");
            }

            sb.Append("</table>\n");
        }

        sb.Append("<h2>Diagnostics</h2>\n");
        if (r.Diagnosis.Count == 0)
        {
            sb.Append(r.Metrics.Count > 0 ? "<p id=\"diagnostics\">No findings.</p>\n" : "<p id=\"diagnostics\">Not run.</p>\n");
        }
        else
        {
            sb.Append("<ul id=\"diagnostics\">");
            foreach (var f in r.Diagnosis)
            {
                sb.Append(c, $"<li class=\"{(f.Severity == "error" ? "block" : "warn")}\"><code>{H(f.Code)}</code> {H(f.Message)} {H(f.Advice)}</li>");
            }

            sb.Append("</ul>\n");
        }

        if (r.Hosting is { } ho)
        {
            sb.Append(c, $"<h2>Hosting</h2>\n<p id=\"hosting\">{H(ho.Kind)} <code>{H(ho.Id ?? "not created")}</code>: {(ho.Released ? "created for the comparison, then <strong>deleted</strong>" : ho.Kept ? "created and <strong>kept</strong> (it bills until you delete it)" : "created, " + H(ho.Status))}.</p>\n");
        }

        sb.Append("<h2>Comparison</h2>\n");
        if (r.Comparison is { } cmp)
        {
            sb.Append(c, $"<p id=\"decision\" class=\"{(cmp.Passed ? "pass" : "block")}\">{(cmp.Passed ? "PASS" : "BLOCK")}</p>");
            sb.Append(c, $"<p>{H(cmp.PrimaryScorer)} on {cmp.Cases} cases of {H(cmp.GoldenSet)}: base {cmp.BaselinePassRate * 100:0.0}% → candidate {cmp.CandidatePassRate * 100:0.0}%.");
            sb.Append(r.ComparisonReport is { } link ? $" <a id=\"compare-link\" href=\"{H(link)}\">The full comparison (compare.html)</a>." : string.Empty).Append("</p>\n<table id=\"rules\"><tr><th>rule</th><th>result</th><th>figure</th></tr>");
            foreach (var rule in cmp.Rules)
            {
                var (cls, text) = rule.Passed ? ("pass", "pass") : rule.Blocking ? ("block", "BLOCK") : ("warn", "warn");
                sb.Append(c, $"<tr><td>{H(rule.Rule)}</td><td class=\"{cls}\">{text}</td><td>{H(rule.Figure)}</td></tr>");
            }

            sb.Append("</table>\n");
        }
        else
        {
            sb.Append("<p>Not compared yet.</p>\n");
        }

        sb.Append("<h2>Registry</h2>\n");
        sb.Append(r.Registration is { } reg
            ? $"<p id=\"registration\"><code>{H(reg.Feature)}/{H(reg.Variant)}</code>: {H(reg.Status)}, not promoted (promotion is a gate's or a person's decision).</p>\n"
            : "<p id=\"registration\">Not registered.</p>\n");
        if (r.Warnings.Count > 0)
        {
            sb.Append("<h2>Warnings</h2>\n<ul id=\"warnings\">");
            foreach (var w in r.Warnings)
            {
                sb.Append("<li>").Append(H(w)).Append("</li>");
            }

            sb.Append("</ul>\n");
        }

        sb.Append(c, $"<p><small>Pipeline file {H(Path.GetFileName(definition.SourcePath ?? string.Empty))}; resume an unfinished run with <code>finetune run</code> on the same file.</small></p>\n");
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    /// <summary>Training and validation loss as one inline SVG (polylines on a shared scale).</summary>
    internal static string LossChart(IReadOnlyList<PipelineRunState.MetricPoint> metrics)
    {
        var train = metrics.Where(m => m.TrainLoss is { } v && double.IsFinite(v)).Select(m => (m.Step, Value: m.TrainLoss!.Value)).ToList();
        var valid = metrics.Where(m => m.ValidLoss is { } v && double.IsFinite(v)).Select(m => (m.Step, Value: m.ValidLoss!.Value)).ToList();
        if (train.Count == 0)
        {
            return "<p id=\"loss-chart\">No training metrics yet.</p>\n";
        }

        const double width = 640, height = 240, left = 48, right = 12, top = 12, bottom = 28;
        var all = train.Concat(valid).ToList();
        double minStep = all.Min(p => p.Step), maxStep = Math.Max(all.Max(p => p.Step), minStep + 1);
        double maxLoss = Math.Max(all.Max(p => p.Value), 1e-9);
        string Points(List<(int Step, double Value)> series) => string.Join(' ', series.Select(p => string.Create(
            CultureInfo.InvariantCulture,
            $"{left + ((p.Step - minStep) / (maxStep - minStep) * (width - left - right)):0.#},{top + ((1 - (p.Value / maxLoss)) * (height - top - bottom)):0.#}")));
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg id=\"loss-chart\" role=\"img\" aria-label=\"training and validation loss by step\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">");
        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{height - bottom}\" x2=\"{width - right}\" y2=\"{height - bottom}\" stroke=\"#888\"/><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{height - bottom}\" stroke=\"#888\"/>");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"{top + 10}\" font-size=\"11\">{maxLoss:0.##}</text><text x=\"4\" y=\"{height - bottom}\" font-size=\"11\">0</text>");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"{height - 8}\" font-size=\"11\">step {minStep:0}</text><text x=\"{width - right - 70}\" y=\"{height - 8}\" font-size=\"11\">step {maxStep:0}</text>");
        sb.Append(CultureInfo.InvariantCulture, $"<polyline class=\"train-loss\" fill=\"none\" stroke=\"#1f6feb\" stroke-width=\"1.5\" points=\"{Points(train)}\"/>");
        if (valid.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<polyline class=\"valid-loss\" fill=\"none\" stroke=\"#d9480f\" stroke-width=\"1.5\" points=\"{Points(valid)}\"/>");
        }

        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{width - 200}\" y=\"{top + 12}\" font-size=\"11\" fill=\"#1f6feb\">training loss</text>");
        if (valid.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{width - 110}\" y=\"{top + 12}\" font-size=\"11\" fill=\"#d9480f\">validation loss</text>");
        }

        sb.Append("</svg>\n");
        return sb.ToString();
    }

    private static string Auto(string? value) => value ?? "auto";

    private static string Loss(double? value) => value is { } v ? v.ToString("0.#####", CultureInfo.InvariantCulture) : "—";

    private static void Row(StringBuilder sb, string label, string htmlValue) => sb.Append("<tr><th>").Append(H(label)).Append("</th><td>").Append(htmlValue).Append("</td></tr>");

    private static string Ratio(long actual, long estimate) => estimate > 0 ? (actual / (double)estimate).ToString("P1", CultureInfo.InvariantCulture) : "n/a";

    private static string H(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);

    /// <summary>Markdown-safe text: control characters dropped, markup characters backslash-escaped.</summary>
    private static string Md(string? text)
    {
        var sb = new StringBuilder();
        foreach (var ch in text ?? string.Empty)
        {
            if (char.IsControl(ch))
            {
                sb.Append(' ');
            }
            else
            {
                if ("\\`*_[]<>|".Contains(ch, StringComparison.Ordinal))
                {
                    sb.Append('\\');
                }

                sb.Append(ch);
            }
        }

        return sb.ToString();
    }
}
