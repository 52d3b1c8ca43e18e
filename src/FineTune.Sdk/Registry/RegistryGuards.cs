using System.Text.Json;
using System.Text.RegularExpressions;

namespace FineTune.Sdk;

/// <summary>The registry's rules: names, model-id formats per provider, adapters, and the promotion guard.</summary>
internal static partial class RegistryGuards
{
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    // ft:{base}:{org}:{suffix}:{id}, optionally :ckpt-step-N for a checkpoint.
    [GeneratedRegex(@"^ft:(?<base>[A-Za-z0-9._-]+):(?<org>[A-Za-z0-9._-]*):(?<suffix>[A-Za-z0-9._-]*):(?<id>[A-Za-z0-9]+)(:ckpt-step-[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex OpenAIFineTune();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex OpenAIBase();

    // arn:{partition}:bedrock:{region}:{account}:{custom-model|provisioned-model|custom-model-deployment}/{id}
    [GeneratedRegex(@"^arn:aws(-[a-z]+)*:bedrock:[a-z0-9-]+:[0-9]{12}:(custom-model|provisioned-model|custom-model-deployment)/[A-Za-z0-9._:/+-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex BedrockArn();

    // A foundation model id such as amazon.nova-micro-v1:0 or us.anthropic.claude-3-haiku-20240307-v1:0.
    [GeneratedRegex(@"^[a-z0-9-]+(\.[a-z0-9-]+)+(-v[0-9]+)?(:[0-9a-z:]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex BedrockBase();

    [GeneratedRegex(@"^[0-9a-f]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Hex();

    public static void CheckName(string value, string what)
    {
        if (value is null || !NamePattern().IsMatch(value))
        {
            throw new ModelRegistryException("name." + what, $"The {what} name '{value}' must be 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit.");
        }
    }

    /// <summary>The rules a variant must meet to be registered; none can be forced.</summary>
    public static void CheckVariant(RegistryVariant variant)
    {
        CheckName(variant.Name, "variant");
        if (string.IsNullOrWhiteSpace(variant.ModelId) || string.IsNullOrWhiteSpace(variant.Provider) || string.IsNullOrWhiteSpace(variant.BaseModel))
        {
            throw new ModelRegistryException("variant.required", $"Variant '{variant.Name}' needs a model id, a provider and a base model.");
        }

        var isBase = string.Equals(variant.ModelId, variant.BaseModel, StringComparison.Ordinal);
        if (string.Equals(variant.Provider, RegistryProviders.OpenAI, StringComparison.OrdinalIgnoreCase))
        {
            if (isBase)
            {
                if (!OpenAIBase().IsMatch(variant.ModelId))
                {
                    throw new ModelRegistryException("model-id.openai", $"'{variant.ModelId}' is not an OpenAI model id.");
                }
            }
            else
            {
                var match = OpenAIFineTune().Match(variant.ModelId);
                if (!match.Success)
                {
                    throw new ModelRegistryException("model-id.openai", $"'{variant.ModelId}' is not an OpenAI fine-tuned model id (ft:BASE:ORG:SUFFIX:ID).");
                }

                if (!string.Equals(match.Groups["base"].Value, variant.BaseModel, StringComparison.Ordinal))
                {
                    throw new ModelRegistryException("model-id.openai", $"'{variant.ModelId}' was trained from '{match.Groups["base"].Value}', not the base model '{variant.BaseModel}' the variant names.");
                }
            }
        }
        else if (string.Equals(variant.Provider, RegistryProviders.Bedrock, StringComparison.OrdinalIgnoreCase))
        {
            if (!(isBase ? BedrockBase().IsMatch(variant.ModelId) : BedrockArn().IsMatch(variant.ModelId)))
            {
                throw new ModelRegistryException("model-id.bedrock", isBase
                    ? $"'{variant.ModelId}' is not a Bedrock foundation model id (for example amazon.nova-micro-v1:0)."
                    : $"'{variant.ModelId}' is not a Bedrock custom-model, provisioned-throughput or deployment ARN (arn:aws:bedrock:REGION:ACCOUNT:custom-model/…).");
            }
        }
        else if (string.Equals(variant.Provider, RegistryProviders.SelfHosted, StringComparison.OrdinalIgnoreCase))
        {
            CheckAdapter(variant);
        }

        if (variant.Endpoint is not null && !(Uri.TryCreate(variant.Endpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
        {
            throw new ModelRegistryException("endpoint.uri", $"The endpoint of variant '{variant.Name}' must be an absolute http(s) URI; it was '{variant.Endpoint}'.");
        }

        if (variant.Dataset is { } dataset)
        {
            if (!DatasetManifest.IsValidVersion(dataset.Version))
            {
                throw new ModelRegistryException("dataset.semver", $"The dataset version '{dataset.Version}' of variant '{variant.Name}' is not a semantic version (MAJOR.MINOR.PATCH).");
            }

            if (!IsSha256(dataset.Sha256))
            {
                throw new ModelRegistryException("dataset.sha256", $"The dataset SHA-256 of variant '{variant.Name}' must be 64 lower-case hex digits.");
            }
        }

        if (variant.DecisionRecord is { } record && (!IsSha256(record.Sha256) || string.IsNullOrWhiteSpace(record.Path)))
        {
            throw new ModelRegistryException("decision-record.sha256", $"The decision record of variant '{variant.Name}' needs a path and a SHA-256 of 64 lower-case hex digits.");
        }

        if (variant.CostProjection is { } cost && (cost.MonthlyCost < 0 || string.IsNullOrWhiteSpace(cost.Currency)))
        {
            throw new ModelRegistryException("cost-projection", $"The cost projection of variant '{variant.Name}' must be a non-negative monthly cost with a currency.");
        }

        if (variant.TrainingFileSha256 is { } fileHash && !IsSha256(fileHash))
        {
            throw new ModelRegistryException("training-file.sha256", $"The training file SHA-256 of variant '{variant.Name}' must be 64 lower-case hex digits.");
        }
    }

    private static void CheckAdapter(RegistryVariant variant)
    {
        if (variant.Adapter is not { } adapter)
        {
            throw new ModelRegistryException("self-hosted.adapter", $"Self-hosted variant '{variant.Name}' needs an adapter manifest (base model @ revision, path, rank, target modules, task type).");
        }

        if (variant.Endpoint is null)
        {
            throw new ModelRegistryException("self-hosted.endpoint", $"Self-hosted variant '{variant.Name}' needs the endpoint that serves it.");
        }

        if (string.IsNullOrWhiteSpace(variant.BaseRevision))
        {
            throw new ModelRegistryException("self-hosted.base-revision", $"Self-hosted variant '{variant.Name}' must pin the serving base revision (BaseRevision).");
        }

        if (!string.Equals(adapter.BaseModel, variant.BaseModel, StringComparison.Ordinal))
        {
            throw new ModelRegistryException("adapter.base-model", $"The adapter of '{variant.Name}' was trained on '{adapter.BaseModel}', but the endpoint serves '{variant.BaseModel}'.");
        }

        if (!string.Equals(adapter.BaseRevision, variant.BaseRevision, StringComparison.Ordinal))
        {
            throw new ModelRegistryException("adapter.base-revision", $"The adapter of '{variant.Name}' was trained on {adapter.BaseModel}@{adapter.BaseRevision}, but the endpoint serves revision {variant.BaseRevision}.");
        }

        if (adapter.Rank < 1 || string.IsNullOrWhiteSpace(adapter.Path))
        {
            throw new ModelRegistryException("adapter.manifest", $"The adapter of '{variant.Name}' needs a path and a rank of at least 1 (rank was {adapter.Rank}).");
        }
    }

    public static bool IsSha256(string? value) => value is not null && Sha256Hex().IsMatch(value);

    /// <summary>The promotion guard: every rule that fails, as (rule, message). Empty when promotion may proceed.</summary>
    public static async Task<List<(string Rule, string Message)>> CheckPromotionAsync(RegistryFeature feature, RegistryVariant variant, string baseDirectory, CancellationToken cancellationToken)
    {
        var failures = new List<(string, string)>();
        if (variant.Evaluation is not { } evaluation)
        {
            failures.Add(("promotion.report-missing", $"Variant '{variant.Name}' has no comparison report; attach a passing compare.json for {variant.ModelId}."));
            return failures;
        }

        var path = Path.GetFullPath(evaluation.ReportPath, baseDirectory);
        string hash;
        ComparisonReport report;
        try
        {
            hash = await ModelRegistryHashes.FileSha256Async(path, cancellationToken).ConfigureAwait(false);
            report = ComparisonReportWriter.FromJson(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            failures.Add(("promotion.report-unreadable", $"The comparison report {path} of '{variant.Name}' cannot be read: {ex.Message}"));
            return failures;
        }

        if (!string.Equals(hash, evaluation.ReportSha256, StringComparison.OrdinalIgnoreCase))
        {
            failures.Add(("promotion.report-hash", $"The comparison report {path} no longer matches its recorded SHA-256 ({evaluation.ReportSha256[..12]}…; now {hash[..12]}…); re-attach it if it was re-run."));
        }

        if (!report.Decision.Passed)
        {
            var blocked = string.Join(", ", report.Decision.Rules.Where(r => r.Applicable && r.Blocking && !r.Passed).Select(r => r.Rule));
            failures.Add(("promotion.report-passing", $"The comparison report {path} did not pass{(blocked.Length == 0 ? "" : " (blocked by " + blocked + ")")}."));
        }

        if (!string.Equals(report.Candidate.ModelId, variant.ModelId, StringComparison.Ordinal))
        {
            failures.Add(("promotion.report-model", $"The comparison report {path} evaluated '{report.Candidate.ModelId}', not '{variant.ModelId}'."));
        }

        if (report.GoldenSetSha256 is null)
        {
            failures.Add(("promotion.report-golden-set", $"The comparison report {path} records no golden-set hash; re-run 'finetune eval compare' to record it."));
        }
        else if (feature.GoldenSetSha256 is { } expected && !string.Equals(expected, report.GoldenSetSha256, StringComparison.OrdinalIgnoreCase))
        {
            failures.Add(("promotion.report-golden-set", $"The comparison report {path} was made on golden set {report.GoldenSetSha256[..12]}…, not the feature's {expected[..12]}…."));
        }

        return failures;
    }
}
