using System.CommandLine;
using System.Globalization;
using FineTune.Sdk;
using FineTune.Sdk.Registry.PostgreSql;
using FineTune.Sdk.Registry.Sqlite;

namespace FineTune.Cli;

/// <summary>
/// <c>finetune registry list|show|register|promote|rollout|rollback|retire|history|check</c> against a file, SQLite or
/// PostgreSQL store (<c>--store file:PATH | sqlite:PATH | postgres:CONNSTRING</c>). Exit 0 done, 1 refused by a rule
/// (or check found something), 2 usage error.
/// </summary>
internal static class RegistryCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("registry", "Which model serves each feature: register, promote, roll out, roll back, retire, history, checks.");
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(Show(context));
        command.Subcommands.Add(Register(context));
        command.Subcommands.Add(Promote(context));
        command.Subcommands.Add(Rollout(context));
        command.Subcommands.Add(Rollback(context));
        command.Subcommands.Add(Retire(context));
        command.Subcommands.Add(History(context));
        command.Subcommands.Add(Check(context));
        return command;
    }

    private sealed class Common
    {
        public Option<string> Store { get; } = new("--store") { Description = "file:PATH | sqlite:PATH | postgres:CONNECTION-STRING (default: $FINETUNE_REGISTRY or file:registry.json)." };

        public Option<string?> Actor { get; } = new("--actor") { Description = "Who makes the change (default: $USER)." };

        public Option<string?> Reason { get; } = new("--reason") { Description = "Why; recorded in the history (required with --force)." };

        public Option<long?> ExpectedVersion { get; } = new("--expected-version") { Description = "Fail with a conflict unless the registry is at this version." };

        public Option<bool> Json { get; } = new("--json") { Description = "Write JSON." };

        public RegistryChange Change(ParseResult result, bool force = false) => new()
        {
            Actor = result.GetValue(Actor) ?? Environment.GetEnvironmentVariable("USER") ?? Environment.UserName,
            Reason = result.GetValue(Reason),
            Force = force,
            ExpectedVersion = result.GetValue(ExpectedVersion),
        };
    }

    internal static IModelRegistryStore OpenStore(string? spec)
    {
        spec ??= Environment.GetEnvironmentVariable("FINETUNE_REGISTRY") ?? "file:registry.json";
        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        var scheme = colon > 0 ? spec[..colon].ToLowerInvariant() : string.Empty;
        var target = colon > 0 ? spec[(colon + 1)..] : spec;
        return scheme switch
        {
            "file" => new FileModelRegistryStore(target),
            "sqlite" => new SqliteModelRegistryStore(target),
            "postgres" or "postgresql" => new PostgreSqlModelRegistryStore(target),
            _ => throw new ArgumentException($"--store must be file:PATH, sqlite:PATH or postgres:CONNECTION-STRING; the scheme was '{scheme}'."),
        };
    }

    private static Command Define(CliContext context, string name, string description, Common common, IEnumerable<Symbol> symbols, Func<ParseResult, ModelRegistry, CancellationToken, Task<int>> action)
    {
        var command = new Command(name, description) { common.Store };
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Argument argument:
                    command.Arguments.Add(argument);
                    break;
                case Option option:
                    command.Options.Add(option);
                    break;
            }
        }

        command.SetAction(async (result, cancellationToken) =>
        {
            ModelRegistry registry;
            try
            {
                registry = await ModelRegistry.OpenAsync(OpenStore(result.GetValue(common.Store)), cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ArgumentException or ModelRegistryException)
            {
                await context.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                return CliApp.UsageError;
            }

            await using (registry.ConfigureAwait(false))
            {
                try
                {
                    return await action(result, registry, cancellationToken).ConfigureAwait(false);
                }
                catch (ModelRegistryException ex)
                {
                    await context.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                    return ex.Rule is "feature.unknown" or "variant.unknown" or "name.feature" or "name.variant" ? CliApp.UsageError : CliApp.Failed;
                }
            }
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        var common = new Common();
        return Define(context, "list", "List features: default, rollout and percentage.", common, [common.Json], async (result, registry, _) =>
        {
            var document = registry.Snapshot.Document;
            if (result.GetValue(common.Json))
            {
                await context.Output.WriteAsync(RegistryJson.Serialize(document)).ConfigureAwait(false);
                return CliApp.Success;
            }

            await context.Output.WriteLineAsync($"registry version {document.Version}, {document.Features.Count} features").ConfigureAwait(false);
            foreach (var feature in document.Features)
            {
                var rollout = feature.RolloutVariant is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"  rollout {feature.RolloutVariant} {feature.RolloutPercentage}%");
                await context.Output.WriteLineAsync($"{feature.Name}  default {feature.DefaultVariant} ({feature.FindVariant(feature.DefaultVariant)?.ModelId}){rollout}").ConfigureAwait(false);
            }

            return CliApp.Success;
        });
    }

    private static Command Show(CliContext context)
    {
        var common = new Common();
        var feature = new Argument<string>("feature") { Description = "The feature." };
        return Define(context, "show", "Show a feature with every variant and its lineage.", common, [feature, common.Json], async (result, registry, _) =>
        {
            var found = registry.Snapshot.Document.FindFeature(result.GetValue(feature)!)
                ?? throw new ModelRegistryException("feature.unknown", $"The registry has no feature '{result.GetValue(feature)}'.");
            var document = new RegistryDocument { Version = registry.Snapshot.Version, UpdatedAt = registry.Snapshot.Document.UpdatedAt, Features = [found] };
            await context.Output.WriteAsync(RegistryJson.Serialize(document)).ConfigureAwait(false);
            return CliApp.Success;
        });
    }

    private static Command Register(CliContext context)
    {
        var common = new Common();
        var feature = new Argument<string>("feature") { Description = "The feature." };
        var variant = new Argument<string>("variant") { Description = "The variant name." };
        var model = new Option<string>("--model") { Description = "The model id to call.", Required = true };
        var provider = new Option<string>("--provider") { Description = "openai | bedrock | self-hosted | any name.", Required = true };
        var baseModel = new Option<string?>("--base") { Description = "The base model (default: the model id, for a base variant)." };
        var baseRevision = new Option<string?>("--base-revision") { Description = "The pinned base revision." };
        var endpoint = new Option<string?>("--endpoint") { Description = "The endpoint to call (self-hosted)." };
        var manifest = new Option<FileInfo?>("--manifest") { Description = "The dataset manifest (finetune manifest) whose name, version and SHA-256 are recorded." };
        var report = new Option<string?>("--report") { Description = "The comparison report (compare.json) to attach." };
        var job = new Option<string?>("--job") { Description = "The training job id." };
        var trainingHash = new Option<string?>("--training-file-sha256") { Description = "The SHA-256 of the uploaded training file." };
        var owner = new Option<string?>("--owner") { Description = "The on-call owner." };
        var tags = new Option<string[]>("--tag") { Description = "A tag; repeat for several.", AllowMultipleArgumentsPerToken = true };
        var adapterPath = new Option<string?>("--adapter-path") { Description = "Self-hosted: the adapter weights." };
        var adapterRevision = new Option<string?>("--adapter-base-revision") { Description = "Self-hosted: the base revision the adapter was trained on." };
        var adapterRank = new Option<int>("--adapter-rank") { Description = "Self-hosted: the LoRA rank.", DefaultValueFactory = _ => 0 };
        var adapterModules = new Option<string[]>("--adapter-target-module") { Description = "Self-hosted: a target module; repeat.", AllowMultipleArgumentsPerToken = true };
        var adapterTask = new Option<string?>("--adapter-task-type") { Description = "Self-hosted: the task type (CAUSAL_LM)." };
        var decisionRecord = new Option<string?>("--decision-record") { Description = "The decision record (finetune advise --out) that says why this use case is fine-tuned." };
        var gatewayRoute = new Option<string?>("--gateway-route") { Description = "The LLM gateway entry (route, model group or alias) callers reach the variant through." };
        var monthlyCost = new Option<decimal?>("--monthly-cost") { Description = "Projected serving cost per month (from finetune estimate)." };
        var currency = new Option<string?>("--currency") { Description = "Currency of --monthly-cost (default USD)." };
        var costBasis = new Option<string?>("--cost-basis") { Description = "What the cost projection assumes (traffic, tokens per call)." };
        var retrainTrigger = new Option<string?>("--retrain-trigger") { Description = "What triggers a re-train of the variant." };
        return Define(context, "register", "Register a variant (the first of a feature becomes its default).", common,
            [feature, variant, model, provider, baseModel, baseRevision, endpoint, manifest, report, job, trainingHash, owner, tags, adapterPath, adapterRevision, adapterRank, adapterModules, adapterTask, decisionRecord, gatewayRoute, monthlyCost, currency, costBasis, retrainTrigger, common.Actor, common.Reason, common.ExpectedVersion],
            async (result, registry, cancellationToken) =>
            {
                var modelId = result.GetValue(model)!;
                RegistryDataset? dataset = null;
                if (result.GetValue(manifest) is { } manifestFile)
                {
                    dataset = RegistryDataset.FromManifest(DatasetManifest.FromJson(await File.ReadAllTextAsync(manifestFile.FullName, cancellationToken).ConfigureAwait(false)));
                }

                var variantRecord = new RegistryVariant
                {
                    Name = result.GetValue(variant)!,
                    ModelId = modelId,
                    Provider = result.GetValue(provider)!,
                    BaseModel = result.GetValue(baseModel) ?? modelId,
                    BaseRevision = result.GetValue(baseRevision),
                    Endpoint = result.GetValue(endpoint),
                    Dataset = dataset,
                    TrainingJobId = result.GetValue(job),
                    TrainingFileSha256 = result.GetValue(trainingHash),
                    Evaluation = result.GetValue(report) is { } reportPath ? await ModelRegistryHashes.ReadEvaluationAsync(reportPath, Directory.GetCurrentDirectory(), cancellationToken).ConfigureAwait(false) : null,
                    Owner = result.GetValue(owner),
                    Tags = result.GetValue(tags) ?? [],
                    DecisionRecord = result.GetValue(decisionRecord) is { } recordPath ? await ModelRegistryHashes.ReadDecisionRecordAsync(recordPath, Directory.GetCurrentDirectory(), cancellationToken).ConfigureAwait(false) : null,
                    GatewayRoute = result.GetValue(gatewayRoute),
                    CostProjection = result.GetValue(monthlyCost) is { } cost ? new RegistryCostProjection { MonthlyCost = cost, Currency = result.GetValue(currency) ?? "USD", Basis = result.GetValue(costBasis) } : null,
                    RetrainTrigger = result.GetValue(retrainTrigger),
                    Adapter = result.GetValue(adapterPath) is { } path ? new RegistryAdapter
                    {
                        BaseModel = result.GetValue(baseModel) ?? modelId,
                        BaseRevision = result.GetValue(adapterRevision) ?? result.GetValue(baseRevision) ?? string.Empty,
                        Path = path,
                        Rank = result.GetValue(adapterRank),
                        TargetModules = result.GetValue(adapterModules) ?? [],
                        TaskType = result.GetValue(adapterTask),
                    } : null,
                };
                var after = await registry.RegisterAsync(result.GetValue(feature)!, variantRecord, common.Change(result), cancellationToken).ConfigureAwait(false);
                await context.Output.WriteLineAsync($"registered {after.Name}/{variantRecord.Name} (version {registry.Snapshot.Version})").ConfigureAwait(false);
                return CliApp.Success;
            });
    }

    private static Command Promote(CliContext context)
    {
        var common = new Common();
        var feature = new Argument<string>("feature") { Description = "The feature." };
        var variant = new Argument<string>("variant") { Description = "The variant." };
        var force = new Option<bool>("--force") { Description = "Override failing promotion guards (needs --reason; recorded)." };
        return Define(context, "promote", "Promote a variant with a passing comparison report (staged at 0%).", common, [feature, variant, force, common.Actor, common.Reason, common.ExpectedVersion], async (result, registry, cancellationToken) =>
        {
            var after = await registry.PromoteAsync(result.GetValue(feature)!, result.GetValue(variant)!, common.Change(result, result.GetValue(force)), cancellationToken).ConfigureAwait(false);
            await context.Output.WriteLineAsync($"promoted {after.Name}/{after.RolloutVariant} at 0% (version {registry.Snapshot.Version})").ConfigureAwait(false);
            return CliApp.Success;
        });
    }

    private static Command Rollout(CliContext context)
    {
        var common = new Common();
        var feature = new Argument<string>("feature") { Description = "The feature." };
        var variant = new Argument<string>("variant") { Description = "The promoted variant." };
        var percentage = new Argument<decimal>("percentage") { Description = "0-100 (two decimals); 100 makes it the default." };
        return Define(context, "rollout", "Set the share of keys a promoted variant serves.", common, [feature, variant, percentage, common.Actor, common.Reason, common.ExpectedVersion], async (result, registry, cancellationToken) =>
        {
            var after = await registry.SetRolloutAsync(result.GetValue(feature)!, result.GetValue(variant)!, result.GetValue(percentage), common.Change(result), cancellationToken).ConfigureAwait(false);
            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{after.Name}: default {after.DefaultVariant}, rollout {after.RolloutVariant ?? "-"} {after.RolloutPercentage}% (version {registry.Snapshot.Version})")).ConfigureAwait(false);
            return CliApp.Success;
        });
    }

    private static Command Rollback(CliContext context)
    {
        var common = new Common();
        var feature = new Argument<string>("feature") { Description = "The feature." };
        return Define(context, "rollback", "Cancel the rollout, or restore the previous default, in one call.", common, [feature, common.Actor, common.Reason, common.ExpectedVersion], async (result, registry, cancellationToken) =>
        {
            var after = await registry.RollbackAsync(result.GetValue(feature)!, common.Change(result), cancellationToken).ConfigureAwait(false);
            await context.Output.WriteLineAsync($"{after.Name}: every key resolves to {after.DefaultVariant} (version {registry.Snapshot.Version})").ConfigureAwait(false);
            return CliApp.Success;
        });
    }

    private static Command Retire(CliContext context)
    {
        var common = new Common();
        var feature = new Argument<string>("feature") { Description = "The feature." };
        var variant = new Argument<string>("variant") { Description = "The variant." };
        return Define(context, "retire", "Retire a variant that is not the default.", common, [feature, variant, common.Actor, common.Reason, common.ExpectedVersion], async (result, registry, cancellationToken) =>
        {
            var after = await registry.RetireAsync(result.GetValue(feature)!, result.GetValue(variant)!, common.Change(result), cancellationToken).ConfigureAwait(false);
            await context.Output.WriteLineAsync($"retired {after.Name}/{result.GetValue(variant)} (version {registry.Snapshot.Version})").ConfigureAwait(false);
            return CliApp.Success;
        });
    }

    private static Command History(CliContext context)
    {
        var common = new Common();
        var feature = new Argument<string?>("feature") { Description = "Only this feature.", Arity = ArgumentArity.ZeroOrOne };
        return Define(context, "history", "The audit history: who, when, what, why.", common, [feature, common.Json], async (result, registry, cancellationToken) =>
        {
            var entries = await registry.GetHistoryAsync(result.GetValue(feature), cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false);
            if (result.GetValue(common.Json))
            {
                await context.Output.WriteLineAsync(RegistryJson.Serialize(entries)).ConfigureAwait(false);
                return CliApp.Success;
            }

            foreach (var entry in entries)
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"v{entry.Version} {entry.At:yyyy-MM-ddTHH:mm:ssZ} {entry.Actor} {entry.Operation} {entry.Feature}{(entry.Variant is null ? "" : "/" + entry.Variant)}{(entry.Forced ? " FORCED(" + string.Join(",", entry.ForcedRules) + ")" : "")}{(entry.Reason is null ? "" : " — " + entry.Reason)}")).ConfigureAwait(false);
            }

            return CliApp.Success;
        });
    }

    private static Command Check(CliContext context)
    {
        var common = new Common();
        var feature = new Argument<string?>("feature") { Description = "The feature to run the pre-deploy checklist for; without it, every feature's stale and retired-base findings.", Arity = ArgumentArity.ZeroOrOne };
        var variant = new Option<string?>("--variant") { Description = "The variant to check (default: the rollout variant, else the newest non-default one)." };
        var waive = new Option<string[]>("--waive") { Description = "A checklist item that is not required here; repeat for several.", AllowMultipleArgumentsPerToken = true };
        return Define(context, "check", "The pre-deploy checklist of a feature's variant (exit 0 only when every required item is present); without a feature, stale and retired-base findings.", common, [feature, variant, waive, common.Json], async (result, registry, cancellationToken) =>
        {
            if (result.GetValue(feature) is not { } name)
            {
                var all = registry.Inspect();
                foreach (var finding in all)
                {
                    await context.Output.WriteLineAsync($"{finding.Rule,-14} {finding.Feature}/{finding.Variant}: {finding.Message}").ConfigureAwait(false);
                }

                await context.Output.WriteLineAsync(all.Count == 0 ? "ok: nothing stale or retired" : $"{all.Count} finding(s)").ConfigureAwait(false);
                return all.Count == 0 ? CliApp.Success : CliApp.Failed;
            }

            RegistryChecklistReport report;
            try
            {
                report = await registry.CheckAsync(name, result.GetValue(variant), result.GetValue(waive), cancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentException ex)
            {
                await context.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                return CliApp.UsageError;
            }

            if (result.GetValue(common.Json))
            {
                await context.Output.WriteAsync(RegistryJson.Serialize(report)).ConfigureAwait(false);
                return report.Passed ? CliApp.Success : CliApp.Failed;
            }

            await context.Output.WriteLineAsync($"pre-deploy checklist of {report.Feature}/{report.Variant} ({report.ModelId})").ConfigureAwait(false);
            foreach (var item in report.Items)
            {
                var mark = item.Present ? "present" : item.Required ? "MISSING" : "missing (waived)";
                await context.Output.WriteLineAsync($"  {mark,-16} {item.Title}: {item.Detail}").ConfigureAwait(false);
                await context.Output.WriteLineAsync($"  {"",-16} looked in {item.LookedIn}").ConfigureAwait(false);
            }

            foreach (var finding in report.Findings)
            {
                await context.Output.WriteLineAsync($"  warning {finding.Rule}: {finding.Message}").ConfigureAwait(false);
            }

            var missing = report.Items.Count(i => i.Required && !i.Present);
            await context.Output.WriteLineAsync(missing == 0 ? "ok: every required item is present" : $"{missing} required item(s) missing").ConfigureAwait(false);
            return report.Passed ? CliApp.Success : CliApp.Failed;
        });
    }
}
