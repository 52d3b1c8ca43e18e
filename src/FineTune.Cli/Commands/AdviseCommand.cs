using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FineTune.Sdk;

namespace FineTune.Cli;

/// <summary>
/// <c>finetune advise</c>: prompt engineering, RAG, routing + tools, collect more data, fine-tune or do not fine-tune,
/// with reasons, from a use case's signals (flags or <c>--signals FILE</c>). <c>--out</c> writes the decision record the
/// registry's pre-deploy checklist reads. Exit 0 with advice, 2 on a usage error.
/// </summary>
internal static class AdviseCommand
{
    public static Command Create(CliContext context)
    {
        var signalsFile = new Option<FileInfo?>("--signals") { Description = "A JSON file of signals (mustCiteLiveDocuments, factsChange, behaviourStable12Months, promptPassesEval, reviewedExamples, measuredLiftPoints); flags override it." };
        var cites = new Option<bool>("--must-cite-live-documents") { Description = "Answers must cite live documents." };
        var facts = new Option<string?>("--facts-change") { Description = "How often the facts change: never, yearly, quarterly, monthly, weekly, daily." };
        var stable = new Option<bool>("--behaviour-stable-12-months") { Description = "The behaviour is expected to stay stable for 12 months or more." };
        var passes = new Option<bool>("--prompt-passes-eval") { Description = "The prompt with structured output already passes the eval." };
        var examples = new Option<int?>("--reviewed-examples") { Description = "Reviewed, labelled examples available." };
        var lift = new Option<string?>("--measured-lift") { Description = "Lift a path comparison measured, in points (e.g. 8.5)." };
        var minExamples = new Option<int?>("--min-reviewed-examples") { Description = "Threshold: reviewed examples needed (default 200)." };
        var minLift = new Option<string?>("--min-lift") { Description = "Threshold: lift in points a fine-tune must show (default 5)." };
        var useCase = new Option<string?>("--use-case") { Description = "The use case (feature) the decision is about." };
        var decidedBy = new Option<string?>("--decided-by") { Description = "Who decides (default: $USER)." };
        var output = new Option<FileInfo?>("--out") { Description = "Write the decision record (JSON) here, for 'finetune registry register --decision-record'." };
        var json = new Option<bool>("--json") { Description = "Write the decision record to stdout as JSON." };
        var command = new Command("advise", "Recommend prompt engineering, RAG, routing + tools, more data, fine-tune or not, from a use case's signals.")
        {
            signalsFile, cites, facts, stable, passes, examples, lift, minExamples, minLift, useCase, decidedBy, output, json,
        };

        command.SetAction(async (result, cancellationToken) =>
        {
            AdaptationSignals signals;
            AdaptationAdvisorOptions thresholds;
            try
            {
                signals = result.GetValue(signalsFile) is { } file
                    ? AdaptationAdvisor.SignalsFromJson(await File.ReadAllTextAsync(file.FullName, cancellationToken).ConfigureAwait(false))
                    : new AdaptationSignals();
                if (result.GetResult(cites) is not null)
                {
                    signals = signals with { MustCiteLiveDocuments = result.GetValue(cites) };
                }

                if (result.GetValue(facts) is { } frequency)
                {
                    signals = signals with { FactsChange = ParseFrequency(frequency) };
                }

                if (result.GetResult(stable) is not null)
                {
                    signals = signals with { BehaviourStable12Months = result.GetValue(stable) };
                }

                if (result.GetResult(passes) is not null)
                {
                    signals = signals with { PromptPassesEval = result.GetValue(passes) };
                }

                if (result.GetValue(examples) is { } count)
                {
                    if (count < 0)
                    {
                        throw new FormatException($"--reviewed-examples must be 0 or more; it was {count}.");
                    }

                    signals = signals with { ReviewedExamples = count };
                }

                if (result.GetValue(lift) is { } liftText)
                {
                    signals = signals with { MeasuredLiftPoints = ParsePoints(liftText, "--measured-lift") };
                }

                thresholds = new AdaptationAdvisorOptions();
                if (result.GetValue(minExamples) is { } min)
                {
                    thresholds = thresholds with { MinReviewedExamples = min };
                }

                if (result.GetValue(minLift) is { } minLiftText)
                {
                    thresholds = thresholds with { MinLiftPoints = ParsePoints(minLiftText, "--min-lift") };
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or FormatException)
            {
                var where = result.GetValue(signalsFile) is { } file && ex is JsonException je
                    ? $"{file.Name}: line {(je.LineNumber ?? 0) + 1}, path {je.Path ?? "$"}: " : string.Empty;
                await context.Error.WriteLineAsync($"error: {where}{ex.Message}").ConfigureAwait(false);
                return CliApp.UsageError;
            }

            AdaptationDecision decision;
            try
            {
                decision = AdaptationAdvisor.Advise(signals, thresholds, result.GetValue(useCase)) with
                {
                    DecidedAt = TimeProvider.System.GetUtcNow(),
                    DecidedBy = result.GetValue(decidedBy) ?? Environment.GetEnvironmentVariable("USER") ?? Environment.UserName,
                };
            }
            catch (ArgumentException ex)
            {
                await context.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                return CliApp.UsageError;
            }

            var record = AdaptationAdvisor.ToJson(decision);
            if (result.GetValue(output) is { } target)
            {
                try
                {
                    AtomicFile.WriteAllBytes(target.FullName, Encoding.UTF8.GetBytes(record));
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    await context.Error.WriteLineAsync($"error: cannot write {target.FullName}: {ex.Message}").ConfigureAwait(false);
                    return CliApp.UsageError;
                }
            }

            if (result.GetValue(json))
            {
                await context.Output.WriteAsync(record).ConfigureAwait(false);
                return CliApp.Success;
            }

            await context.Output.WriteLineAsync($"recommendation: {decision.Recommendation}").ConfigureAwait(false);
            foreach (var reason in decision.Reasons)
            {
                await context.Output.WriteLineAsync("  - " + reason).ConfigureAwait(false);
            }

            if (result.GetValue(output) is { } written)
            {
                await context.Output.WriteLineAsync($"decision record: {written.FullName}").ConfigureAwait(false);
            }

            return CliApp.Success;
        });
        return command;
    }

    private static FactChangeFrequency ParseFrequency(string text) =>
        Enum.TryParse<FactChangeFrequency>(text, ignoreCase: true, out var value) && Enum.IsDefined(value) && !int.TryParse(text, out _)
            ? value
            : throw new FormatException($"--facts-change must be never, yearly, quarterly, monthly, weekly or daily; it was '{text}'.");

    private static double ParsePoints(string text, string option) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new FormatException($"{option} must be a number of points such as 8.5; it was '{text}'.");
}
