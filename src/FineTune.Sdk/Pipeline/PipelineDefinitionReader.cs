using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace FineTune.Sdk;

/// <summary>
/// Reads a pipeline file into a <see cref="FineTunePipelineDefinition"/>: YAML through YamlDotNet's representation
/// model, JSON through <see cref="Utf8JsonReader"/>, both into one small node tree that remembers lines, so every error
/// names the file, the line and the field.
/// </summary>
internal static partial class PipelineDefinitionReader
{
    /// <summary>Every top-level key and the keys of each section, as the schema must list them (a test compares).</summary>
    internal static readonly IReadOnlyDictionary<string, string[]> Keys = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [""] = ["name", "provider", "endpoint", "baseModel", "dataset", "redact", "split", "gates", "minimumExamples", "recommendedExamples", "budgetUsd", "hyperparameters", "sweep", "suffix", "goldenSet", "scorers", "acceptance", "registry", "bedrock", "output"],
        ["split"] = ["validation", "holdout", "seed"],
        ["hyperparameters"] = ["epochs", "learningRateMultiplier", "batchSize"],
        ["sweep"] = ["epochs", "learningRateMultiplier", "maxConcurrentJobs"],
        ["acceptance"] = ["minExactMatchLiftPoints", "jsonValidBaselineThreshold", "jsonValidCandidateTarget", "maxBucketDropPoints", "maxRegressionRate", "latencyP95PassRatio", "latencyP95BlockRatio", "safetyTagPrefix", "disabledRules"],
        ["registry"] = ["feature", "store"],
        ["bedrock"] = ["region", "roleArn", "s3Bucket", "s3Prefix", "dataS3Uri", "outputS3Uri", "endpoints", "hosting"],
        ["bedrock.endpoints"] = ["bedrock", "bedrockRuntime", "s3"],
        ["bedrock.hosting"] = ["mode", "modelUnits", "commitment", "hours", "keep"],
    };

    /// <summary>The hosting modes of <c>bedrock.hosting.mode</c>.</summary>
    internal static readonly string[] HostingModes = ["auto", "provisioned", "deployment"];

    /// <summary>The providers a pipeline can name.</summary>
    internal static readonly string[] Providers = ["emulator", "openai", "bedrock"];

    /// <summary>The gate names (plus <c>all</c>, <c>none</c> and <c>duplicates</c>).</summary>
    internal static readonly string[] GateNames = ["exact-duplicates", "near-duplicates", "contradictions", "class-balance", "system-prompts", "output-format", "provenance", "pii"];

    public static FineTunePipelineDefinition Parse(string text, string sourceName)
    {
        var isJson = sourceName.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        var root = isJson ? ParseJson(text, sourceName) : ParseYaml(text, sourceName);
        var reader = new Mapper(sourceName);
        var definition = new FineTunePipelineDefinition
        {
            SourcePath = sourceName,
            BaseDirectory = Path.GetDirectoryName(Path.GetFullPath(sourceName)) ?? Directory.GetCurrentDirectory(),
        };
        reader.Read(root, definition);
        return definition;
    }

    private static Node ParseYaml(string text, string sourceName)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            var line = (int)ex.Start.Line;
            throw new FineTunePipelineDefinitionException($"{Path.GetFileName(sourceName)} line {line}: not valid YAML: {ex.Message}", ex) { FilePath = sourceName, Line = line };
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner throws this (without a position) on some malformed flow collections.
            throw new FineTunePipelineDefinitionException($"{Path.GetFileName(sourceName)}: not valid YAML (an unclosed [ or {{?).", ex) { FilePath = sourceName };
        }

        if (stream.Documents.Count == 0)
        {
            throw new FineTunePipelineDefinitionException($"{Path.GetFileName(sourceName)}: the file is empty.") { FilePath = sourceName };
        }

        return FromYaml(stream.Documents[0].RootNode);
    }

    private static Node FromYaml(YamlNode yaml)
    {
        var line = (int)yaml.Start.Line;
        switch (yaml)
        {
            case YamlMappingNode map:
                var entries = new List<(string, int, Node)>();
                foreach (var (key, value) in map.Children)
                {
                    entries.Add(((key as YamlScalarNode)?.Value ?? string.Empty, (int)key.Start.Line, FromYaml(value)));
                }

                return new Node(NodeKind.Map, line) { Entries = entries };
            case YamlSequenceNode seq:
                return new Node(NodeKind.Sequence, line) { Items = seq.Children.Select(FromYaml).ToList() };
            case YamlScalarNode scalar:
                var plain = scalar.Style is ScalarStyle.Plain or ScalarStyle.Any;
                if (plain && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL")
                {
                    return new Node(NodeKind.Null, line);
                }

                return new Node(NodeKind.Scalar, line) { Text = scalar.Value ?? string.Empty, Quoted = !plain };
            default:
                return new Node(NodeKind.Null, line);
        }
    }

    private static Node ParseJson(string text, string sourceName)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var lineStarts = new List<int> { 0 };
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                lineStarts.Add(i + 1);
            }
        }

        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        try
        {
            if (!reader.Read())
            {
                throw new FineTunePipelineDefinitionException($"{Path.GetFileName(sourceName)}: the file is empty.") { FilePath = sourceName };
            }

            var root = ReadJsonValue(ref reader, lineStarts);
            if (reader.Read())
            {
                throw new JsonException("unexpected content after the top-level value", null, LineOf(lineStarts, reader.TokenStartIndex) - 1, null);
            }

            return root;
        }
        catch (JsonException ex)
        {
            var line = (int)(ex.LineNumber ?? 0) + 1;
            throw new FineTunePipelineDefinitionException($"{Path.GetFileName(sourceName)} line {line}: not valid JSON: {ex.Message.Split(" LineNumber:", 2)[0]}", ex) { FilePath = sourceName, Line = line };
        }
    }

    private static Node ReadJsonValue(ref Utf8JsonReader reader, List<int> lineStarts)
    {
        var line = LineOf(lineStarts, reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var entries = new List<(string, int, Node)>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var keyLine = LineOf(lineStarts, reader.TokenStartIndex);
                    var key = reader.GetString() ?? string.Empty;
                    reader.Read();
                    entries.Add((key, keyLine, ReadJsonValue(ref reader, lineStarts)));
                }

                return new Node(NodeKind.Map, line) { Entries = entries };
            case JsonTokenType.StartArray:
                var items = new List<Node>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadJsonValue(ref reader, lineStarts));
                }

                return new Node(NodeKind.Sequence, line) { Items = items };
            case JsonTokenType.String:
                return new Node(NodeKind.Scalar, line) { Text = reader.GetString() ?? string.Empty, Quoted = true };
            case JsonTokenType.Number:
            case JsonTokenType.True:
            case JsonTokenType.False:
                return new Node(NodeKind.Scalar, line) { Text = Encoding.UTF8.GetString(reader.ValueSpan) };
            default:
                return new Node(NodeKind.Null, line);
        }
    }

    private static int LineOf(List<int> lineStarts, long offset)
    {
        var index = lineStarts.BinarySearch((int)offset);
        return (index >= 0 ? index : ~index - 1) + 1;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$", RegexOptions.CultureInvariant)]
    private static partial Regex RegionPattern();

    [GeneratedRegex("^arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+$", RegexOptions.CultureInvariant)]
    private static partial Regex RoleArnPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex BucketPattern();

    [GeneratedRegex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex S3UriPattern();

    private enum NodeKind
    {
        Null,
        Scalar,
        Map,
        Sequence,
    }

    private sealed class Node(NodeKind kind, int line)
    {
        public NodeKind Kind { get; } = kind;

        public int Line { get; } = line;

        public string Text { get; init; } = string.Empty;

        public bool Quoted { get; init; }

        public List<(string Key, int Line, Node Value)> Entries { get; init; } = [];

        public List<Node> Items { get; init; } = [];
    }

    /// <summary>Maps the node tree onto the definition, failing on the first problem with its line and field.</summary>
    private sealed class Mapper(string sourceName)
    {
        private readonly string _fileName = Path.GetFileName(sourceName);

        public void Read(Node root, FineTunePipelineDefinition d)
        {
            if (root.Kind != NodeKind.Map)
            {
                throw Fail(root.Line, null, "the file must be a mapping of fields (name, provider, baseModel, dataset, ...).");
            }

            var seen = Entries(root, string.Empty);
            foreach (var (key, line, value) in root.Entries)
            {
                switch (key)
                {
                    case "name":
                        d.Name = Name(value, key);
                        break;
                    case "provider":
                        d.Provider = OneOf(value, key, Providers);
                        break;
                    case "endpoint":
                        d.Endpoint = OptionalString(value, key);
                        if (d.Endpoint is not null && (!Uri.TryCreate(d.Endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
                        {
                            throw Fail(value.Line, key, "must be an absolute http(s) URL.");
                        }

                        break;
                    case "baseModel":
                        d.BaseModel = String(value, key);
                        break;
                    case "dataset":
                        d.Dataset = String(value, key);
                        break;
                    case "redact":
                        d.Redact = Bool(value, key);
                        break;
                    case "split":
                        ReadSplit(value, d.Split);
                        break;
                    case "gates":
                        ReadGates(value, d.Gates);
                        break;
                    case "minimumExamples":
                        d.MinimumExamples = Int(value, key, 1, 1_000_000_000);
                        break;
                    case "recommendedExamples":
                        d.RecommendedExamples = Int(value, key, 1, 1_000_000_000);
                        break;
                    case "budgetUsd":
                        d.BudgetUsd = value.Kind == NodeKind.Null ? null : (decimal)Double(value, key, 0, 1_000_000_000, inclusiveMin: false);
                        break;
                    case "hyperparameters":
                        ReadHyperparameters(value, d.Hyperparameters);
                        break;
                    case "sweep":
                        d.Sweep = value.Kind == NodeKind.Null ? null : ReadSweep(value);
                        break;
                    case "suffix":
                        d.Suffix = OptionalString(value, key);
                        if (d.Suffix is { Length: > 64 })
                        {
                            throw Fail(value.Line, key, "must be at most 64 characters.");
                        }

                        break;
                    case "goldenSet":
                        d.GoldenSet = OptionalString(value, key);
                        break;
                    case "scorers":
                        StringList(value, key, d.Scorers);
                        if (d.Scorers.Count == 0)
                        {
                            throw Fail(value.Line, key, "must name at least one scorer (" + string.Join(", ", EvalScorers.BuiltInNames) + ").");
                        }

                        foreach (var scorer in d.Scorers)
                        {
                            if (!EvalScorers.BuiltInNames.Contains(scorer, StringComparer.OrdinalIgnoreCase))
                            {
                                throw Fail(value.Line, key, $"unknown scorer '{scorer}'; use " + string.Join(", ", EvalScorers.BuiltInNames) + ".");
                            }
                        }

                        break;
                    case "acceptance":
                        ReadAcceptance(value, d.Acceptance);
                        break;
                    case "registry":
                        ReadRegistry(value, d.Registry);
                        break;
                    case "bedrock":
                        d.Bedrock = value.Kind == NodeKind.Null ? null : ReadBedrock(value);
                        break;
                    case "output":
                        d.Output = String(value, key);
                        break;
                    default:
                        throw Unknown(line, key, string.Empty);
                }
            }

            foreach (var required in new[] { "provider", "baseModel", "dataset" })
            {
                if (!seen.Contains(required))
                {
                    throw new FineTunePipelineDefinitionException($"{_fileName}: the field '{required}' is required.") { FilePath = sourceName, Field = required };
                }
            }

            if (d.Sweep is { } sweep)
            {
                var line = LineOf(root, "sweep") ?? root.Line;
                if (sweep.Epochs.Count > 0 && d.Hyperparameters.Epochs is not null)
                {
                    throw Fail(line, "sweep.epochs", "and hyperparameters.epochs are both set; name the epochs in one place.");
                }

                if (sweep.LearningRateMultiplier.Count > 0 && d.Hyperparameters.LearningRateMultiplier is not null)
                {
                    throw Fail(line, "sweep.learningRateMultiplier", "and hyperparameters.learningRateMultiplier are both set; name the multipliers in one place.");
                }
            }

            if (d.Provider == "bedrock" && d.Bedrock is null)
            {
                throw Fail(LineOf(root, "provider") ?? root.Line, "bedrock", "is required for provider bedrock: a mapping with roleArn and s3Bucket (or dataS3Uri and outputS3Uri); region, endpoints and hosting are optional. Credentials come from the AWS chain, never from this file.");
            }

            if (d.Provider != "bedrock" && d.Bedrock is not null)
            {
                throw Fail(LineOf(root, "bedrock") ?? root.Line, "bedrock", $"is only read for provider bedrock (provider is {d.Provider}).");
            }

            if (d.RecommendedExamples < d.MinimumExamples)
            {
                throw Fail(LineOf(root, "recommendedExamples") ?? root.Line, "recommendedExamples", $"must be at least minimumExamples ({d.MinimumExamples}).");
            }
        }

        private void ReadSplit(Node node, FineTunePipelineSplit split)
        {
            Entries(node, "split");
            foreach (var (key, line, value) in node.Entries)
            {
                var field = "split." + key;
                switch (key)
                {
                    case "validation":
                        split.Validation = Double(value, field, 0, 0.5, inclusiveMin: true);
                        break;
                    case "holdout":
                        split.Holdout = Double(value, field, 0, 0.5, inclusiveMin: true);
                        break;
                    case "seed":
                        split.Seed = Int(value, field, int.MinValue, int.MaxValue);
                        break;
                    default:
                        throw Unknown(line, key, "split");
                }
            }

            if (split.Validation + split.Holdout >= 0.9)
            {
                throw Fail(node.Line, "split", "validation + holdout must leave at least 10% for training.");
            }
        }

        private void ReadGates(Node node, IList<string> gates)
        {
            var values = new List<string>();
            if (node.Kind == NodeKind.Scalar)
            {
                values.AddRange(node.Text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
            }
            else
            {
                StringList(node, "gates", values);
            }

            foreach (var value in values)
            {
                if (value is not ("all" or "none" or "duplicates") && !GateNames.Contains(value, StringComparer.Ordinal))
                {
                    throw Fail(node.Line, "gates", $"unknown gate '{value}'; use all, none, duplicates or: {string.Join(", ", GateNames)}.");
                }
            }

            gates.Clear();
            foreach (var value in values)
            {
                gates.Add(value);
            }
        }

        private void ReadHyperparameters(Node node, FineTunePipelineHyperparameters h)
        {
            if (node.Kind == NodeKind.Scalar && node.Text == "auto")
            {
                return;
            }

            if (node.Kind != NodeKind.Map)
            {
                throw Fail(node.Line, "hyperparameters", "must be 'auto' or a mapping with epochs, learningRateMultiplier and batchSize (each a number or 'auto').");
            }

            foreach (var (key, line, value) in node.Entries)
            {
                var field = "hyperparameters." + key;
                var auto = value.Kind == NodeKind.Null || (value.Kind == NodeKind.Scalar && value.Text == "auto");
                switch (key)
                {
                    case "epochs":
                        h.Epochs = auto ? null : Int(value, field, FineTuneHyperparameters.MinEpochs, FineTuneHyperparameters.MaxEpochs);
                        break;
                    case "learningRateMultiplier":
                        h.LearningRateMultiplier = auto ? null : Double(value, field, 0, 100, inclusiveMin: false);
                        break;
                    case "batchSize":
                        h.BatchSize = auto ? null : Int(value, field, FineTuneHyperparameters.MinBatchSize, FineTuneHyperparameters.MaxBatchSize);
                        break;
                    default:
                        throw Unknown(line, key, "hyperparameters");
                }
            }
        }

        private FineTunePipelineSweep ReadSweep(Node node)
        {
            var sweep = new FineTunePipelineSweep();
            Entries(node, "sweep");
            foreach (var (key, line, value) in node.Entries)
            {
                var field = "sweep." + key;
                switch (key)
                {
                    case "epochs":
                        foreach (var item in Items(value, field))
                        {
                            sweep.Epochs.Add(Int(item, field, FineTuneHyperparameters.MinEpochs, FineTuneHyperparameters.MaxEpochs));
                        }

                        if (sweep.Epochs.Distinct().Count() != sweep.Epochs.Count)
                        {
                            throw Fail(value.Line, field, "lists a value twice.");
                        }

                        break;
                    case "learningRateMultiplier":
                        foreach (var item in Items(value, field))
                        {
                            sweep.LearningRateMultiplier.Add(Double(item, field, 0, 100, inclusiveMin: false));
                        }

                        if (sweep.LearningRateMultiplier.Distinct().Count() != sweep.LearningRateMultiplier.Count)
                        {
                            throw Fail(value.Line, field, "lists a value twice.");
                        }

                        break;
                    case "maxConcurrentJobs":
                        sweep.MaxConcurrentJobs = value.Kind == NodeKind.Null ? null : Int(value, field, 1, FineTunePipelineSweep.MaxGridPoints);
                        break;
                    default:
                        throw Unknown(line, key, "sweep");
                }
            }

            if (sweep.Points > FineTunePipelineSweep.MaxGridPoints)
            {
                throw Fail(node.Line, "sweep", string.Create(CultureInfo.InvariantCulture, $"has {sweep.Points} grid points (epochs × learningRateMultiplier); at most {FineTunePipelineSweep.MaxGridPoints} are allowed."));
            }

            if (sweep.Epochs.Count == 0 && sweep.LearningRateMultiplier.Count == 0)
            {
                throw Fail(node.Line, "sweep", "must list epochs, learningRateMultiplier or both.");
            }

            return sweep;
        }

        private List<Node> Items(Node value, string field) =>
            value.Kind == NodeKind.Sequence && value.Items.Count > 0 ? value.Items : throw Fail(value.Line, field, "must be a non-empty list of numbers.");

        private void ReadAcceptance(Node node, FineTunePipelineAcceptance a)
        {
            Entries(node, "acceptance");
            foreach (var (key, line, value) in node.Entries)
            {
                var field = "acceptance." + key;
                switch (key)
                {
                    case "minExactMatchLiftPoints":
                        a.MinExactMatchLiftPoints = Double(value, field, -100, 100, inclusiveMin: true);
                        break;
                    case "jsonValidBaselineThreshold":
                        a.JsonValidBaselineThreshold = Double(value, field, 0, 1, inclusiveMin: true);
                        break;
                    case "jsonValidCandidateTarget":
                        a.JsonValidCandidateTarget = Double(value, field, 0, 1, inclusiveMin: true);
                        break;
                    case "maxBucketDropPoints":
                        a.MaxBucketDropPoints = Double(value, field, 0, 100, inclusiveMin: true);
                        break;
                    case "maxRegressionRate":
                        a.MaxRegressionRate = Double(value, field, 0, 1, inclusiveMin: true);
                        break;
                    case "latencyP95PassRatio":
                        a.LatencyP95PassRatio = Double(value, field, 0, 1000, inclusiveMin: false);
                        break;
                    case "latencyP95BlockRatio":
                        a.LatencyP95BlockRatio = Double(value, field, 0, 1000, inclusiveMin: false);
                        break;
                    case "safetyTagPrefix":
                        a.SafetyTagPrefix = String(value, field);
                        break;
                    case "disabledRules":
                        StringList(value, field, a.DisabledRules);
                        break;
                    default:
                        throw Unknown(line, key, "acceptance");
                }
            }
        }

        private void ReadRegistry(Node node, FineTunePipelineRegistry r)
        {
            Entries(node, "registry");
            foreach (var (key, line, value) in node.Entries)
            {
                var field = "registry." + key;
                switch (key)
                {
                    case "feature":
                        r.Feature = OptionalString(value, field);
                        if (r.Feature is not null && !NamePattern().IsMatch(r.Feature))
                        {
                            throw Fail(value.Line, field, "must be 1-64 letters, digits, '-' or '_', starting with a letter or digit.");
                        }

                        break;
                    case "store":
                        r.Store = String(value, field);
                        if (!r.Store.StartsWith("file:", StringComparison.Ordinal) || r.Store.Length == 5)
                        {
                            throw Fail(value.Line, field, "must be file:PATH (relative to the output folder, or absolute).");
                        }

                        break;
                    default:
                        throw Unknown(line, key, "registry");
                }
            }
        }

        private FineTunePipelineBedrock ReadBedrock(Node node)
        {
            var b = new FineTunePipelineBedrock();
            var seen = Entries(node, "bedrock");
            foreach (var (key, line, value) in node.Entries)
            {
                var field = "bedrock." + key;
                switch (key)
                {
                    case "region":
                        b.Region = OptionalString(value, field);
                        if (b.Region is not null && !RegionPattern().IsMatch(b.Region))
                        {
                            throw Fail(value.Line, field, $"must be an AWS region such as us-east-1 (it was '{Short(b.Region)}').");
                        }

                        break;
                    case "roleArn":
                        b.RoleArn = String(value, field);
                        if (!RoleArnPattern().IsMatch(b.RoleArn))
                        {
                            throw Fail(value.Line, field, $"must be an IAM role ARN, arn:aws:iam::123456789012:role/NAME (it was '{Short(b.RoleArn)}').");
                        }

                        break;
                    case "s3Bucket":
                        b.S3Bucket = OptionalString(value, field);
                        if (b.S3Bucket is not null && !BucketPattern().IsMatch(b.S3Bucket))
                        {
                            throw Fail(value.Line, field, $"must be an S3 bucket name: 3-63 lower-case letters, digits, '.' or '-' (it was '{Short(b.S3Bucket)}').");
                        }

                        break;
                    case "s3Prefix":
                        b.S3Prefix = value.Kind == NodeKind.Null ? string.Empty : String(value, field);
                        if (b.S3Prefix.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
                        {
                            throw Fail(value.Line, field, "is a key prefix inside s3Bucket, not a URI (use dataS3Uri/outputS3Uri for URIs).");
                        }

                        break;
                    case "dataS3Uri":
                        b.DataS3Uri = S3Uri(value, field);
                        break;
                    case "outputS3Uri":
                        b.OutputS3Uri = S3Uri(value, field);
                        break;
                    case "endpoints":
                        ReadBedrockEndpoints(value, b.Endpoints);
                        break;
                    case "hosting":
                        ReadBedrockHosting(value, b.Hosting);
                        break;
                    default:
                        throw Unknown(line, key, "bedrock");
                }
            }

            if (!seen.Contains("roleArn"))
            {
                throw Fail(node.Line, "bedrock.roleArn", "is required: the IAM role Bedrock assumes to read the data and write the outputs.");
            }

            if (b.S3Bucket is null && (b.DataS3Uri is null || b.OutputS3Uri is null))
            {
                throw Fail(node.Line, "bedrock.s3Bucket", "is required unless dataS3Uri and outputS3Uri are both set.");
            }

            return b;
        }

        private void ReadBedrockEndpoints(Node node, FineTunePipelineBedrockEndpoints e)
        {
            Entries(node, "bedrock.endpoints");
            foreach (var (key, line, value) in node.Entries)
            {
                var field = "bedrock.endpoints." + key;
                var url = OptionalString(value, field);
                if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
                {
                    throw Fail(value.Line, field, "must be an absolute http(s) URL.");
                }

                switch (key)
                {
                    case "bedrock":
                        e.Bedrock = url;
                        break;
                    case "bedrockRuntime":
                        e.BedrockRuntime = url;
                        break;
                    case "s3":
                        e.S3 = url;
                        break;
                    default:
                        throw Unknown(line, key, "bedrock.endpoints");
                }
            }
        }

        private void ReadBedrockHosting(Node node, FineTunePipelineBedrockHosting h)
        {
            Entries(node, "bedrock.hosting");
            foreach (var (key, line, value) in node.Entries)
            {
                var field = "bedrock.hosting." + key;
                switch (key)
                {
                    case "mode":
                        h.Mode = OneOf(value, field, HostingModes);
                        break;
                    case "modelUnits":
                        h.ModelUnits = Int(value, field, 1, 1000);
                        break;
                    case "commitment":
                        h.Commitment = value.Kind == NodeKind.Null ? null : OneOf(value, field, ["OneMonth", "SixMonths"]);
                        break;
                    case "hours":
                        h.Hours = Int(value, field, 1, 8760);
                        break;
                    case "keep":
                        h.Keep = Bool(value, field);
                        break;
                    default:
                        throw Unknown(line, key, "bedrock.hosting");
                }
            }

            if (h.Mode == "deployment" && h.Commitment is not null)
            {
                throw Fail(node.Line, "bedrock.hosting.commitment", "applies to Provisioned Throughput only (mode is deployment).");
            }
        }

        private string? S3Uri(Node value, string field)
        {
            var uri = OptionalString(value, field);
            return uri is null || S3UriPattern().IsMatch(uri) ? uri : throw Fail(value.Line, field, $"must be an S3 URI, s3://BUCKET/PREFIX/ (it was '{Short(uri)}').");
        }

        private HashSet<string> Entries(Node node, string section)
        {
            if (node.Kind != NodeKind.Map)
            {
                throw Fail(node.Line, section.Length == 0 ? null : section, "must be a mapping with the fields " + string.Join(", ", Keys[section]) + ".");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (key, line, _) in node.Entries)
            {
                if (!seen.Add(key))
                {
                    throw Fail(line, Join(section, key), "appears twice.");
                }
            }

            return seen;
        }

        private static int? LineOf(Node map, string key) => map.Entries.Where(e => e.Key == key).Select(e => (int?)e.Line).FirstOrDefault();

        private string Name(Node value, string field)
        {
            var text = String(value, field);
            return NamePattern().IsMatch(text) ? text : throw Fail(value.Line, field, "must be 1-64 letters, digits, '-' or '_', starting with a letter or digit.");
        }

        private string OneOf(Node value, string field, string[] allowed)
        {
            var text = String(value, field);
            return allowed.Contains(text, StringComparer.Ordinal) ? text : throw Fail(value.Line, field, $"must be one of {string.Join(", ", allowed)} (it was '{Short(text)}').");
        }

        private string String(Node value, string field) =>
            value.Kind == NodeKind.Scalar && value.Text.Trim().Length > 0 ? value.Text : throw Fail(value.Line, field, "must be a non-empty string.");

        private string? OptionalString(Node value, string field) => value.Kind == NodeKind.Null ? null : String(value, field);

        private bool Bool(Node value, string field) =>
            value.Kind == NodeKind.Scalar && !value.Quoted && value.Text is "true" or "false"
                ? value.Text == "true"
                : throw Fail(value.Line, field, "must be true or false.");

        private int Int(Node value, string field, int min, int max) =>
            value.Kind == NodeKind.Scalar && !value.Quoted && int.TryParse(value.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
                ? n
                : throw Fail(value.Line, field, $"must be a whole number from {min} to {max}" + (value.Kind == NodeKind.Scalar ? $" (it was '{Short(value.Text)}')." : "."));

        private double Double(Node value, string field, double min, double max, bool inclusiveMin) =>
            value.Kind == NodeKind.Scalar && !value.Quoted && double.TryParse(value.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
                && double.IsFinite(n) && (inclusiveMin ? n >= min : n > min) && n <= max
                ? n
                : throw Fail(value.Line, field, $"must be a number {(inclusiveMin ? "from" : "above")} {min.ToString(CultureInfo.InvariantCulture)} {(inclusiveMin ? "to" : "up to")} {max.ToString(CultureInfo.InvariantCulture)}" + (value.Kind == NodeKind.Scalar ? $" (it was '{Short(value.Text)}')." : "."));

        private void StringList(Node value, string field, IList<string> target)
        {
            if (value.Kind != NodeKind.Sequence)
            {
                throw Fail(value.Line, field, "must be a list of strings.");
            }

            target.Clear();
            foreach (var item in value.Items)
            {
                target.Add(String(item, field));
            }
        }

        private FineTunePipelineDefinitionException Unknown(int line, string key, string section) =>
            Fail(line, Join(section, key), "is not a known field; known fields" + (section.Length == 0 ? string.Empty : " of " + section) + ": " + string.Join(", ", Keys[section]) + ".");

        private FineTunePipelineDefinitionException Fail(int line, string? field, string message) =>
            new($"{_fileName} line {line}: {(field is null ? string.Empty : field + " ")}{message}") { FilePath = sourceName, Line = line, Field = field };

        private static string Join(string section, string key) => section.Length == 0 ? key : section + "." + key;

        private static string Short(string text) => text.Length <= 40 ? text : text[..40] + "...";
    }
}
