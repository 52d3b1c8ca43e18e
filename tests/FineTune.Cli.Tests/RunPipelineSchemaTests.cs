using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using FineTune.Sdk;
using FineTune.Tests;
using Json.Schema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace FineTune.Cli.Tests;

/// <summary>The published JSON Schema of pipeline files: every sample validates, and it lists exactly the model's fields.</summary>
public sealed class RunPipelineSchemaTests
{
    private static readonly Lazy<JsonSchema> Schema = new(() =>
        JsonSchema.FromText(File.ReadAllText(Path.Combine(RepoPaths.Root, "schemas", "finetune-pipeline.schema.json"))));

    public static TheoryData<string> SamplePipelineFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "samples"), "*.*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f).StartsWith("finetune", StringComparison.Ordinal) && (f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal)))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            data.Add(Path.GetRelativePath(RepoPaths.Root, file));
        }

        return data;
    }

    [Fact]
    public void SamplePipelineFiles_IncludeTheQuickstart() =>
        SamplePipelineFiles().Cast<object[]>().Select(row => (string)row[0]).Should().Contain(Path.Combine("samples", "quickstart", "finetune.yaml"));

    [Theory]
    [MemberData(nameof(SamplePipelineFiles))]
    public async Task SamplePipelineFile_ValidatesAgainstTheSchema_AndLoads(string relative)
    {
        var path = Path.Combine(RepoPaths.Root, relative);

        var result = Schema.Value.Evaluate(Element(ToJson(await File.ReadAllTextAsync(path), path)), new EvaluationOptions { OutputFormat = OutputFormat.List });

        result.IsValid.Should().BeTrue(string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
        (await FineTunePipelineDefinition.LoadAsync(path)).Provider.Should().NotBeEmpty();
    }

    [Theory]
    [InlineData("provdier: openai")]
    [InlineData("split: {validation: 0.7}")]
    [InlineData("hyperparameters: {epochs: 0}")]
    [InlineData("registry: {store: 'sqlite:x'}")]
    [InlineData("sweep: {epochs: [0, 2]}")]
    [InlineData("sweep: {epochs: [2, 2]}")]
    [InlineData("sweep: {learningRateMultiplier: [1], maxConcurrentJobs: 0}")]
    public void Schema_RejectsWhatTheReaderRejects(string extra)
    {
        var yaml = "provider: emulator\nbaseModel: m\ndataset: d.jsonl\n" + extra + "\n";

        Schema.Value.Evaluate(Element(ToJson(yaml, "f.yaml"))).IsValid.Should().BeFalse();
        var read = () => FineTunePipelineDefinition.Parse(yaml, "f.yaml");
        read.Should().Throw<FineTunePipelineDefinitionException>();
    }

    [Fact]
    public void SchemaProperties_MatchTheModelAndTheReader()
    {
        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "schemas", "finetune-pipeline.schema.json")))!;
        var sections = new Dictionary<string, (JsonObject Properties, Type Model)>
        {
            [string.Empty] = (root["properties"]!.AsObject(), typeof(FineTunePipelineDefinition)),
            ["split"] = (root["properties"]!["split"]!["properties"]!.AsObject(), typeof(FineTunePipelineSplit)),
            ["hyperparameters"] = (root["properties"]!["hyperparameters"]!["oneOf"]![1]!["properties"]!.AsObject(), typeof(FineTunePipelineHyperparameters)),
            ["sweep"] = (root["properties"]!["sweep"]!["properties"]!.AsObject(), typeof(FineTunePipelineSweep)),
            ["acceptance"] = (root["properties"]!["acceptance"]!["properties"]!.AsObject(), typeof(FineTunePipelineAcceptance)),
            ["registry"] = (root["properties"]!["registry"]!["properties"]!.AsObject(), typeof(FineTunePipelineRegistry)),
            ["bedrock"] = (root["properties"]!["bedrock"]!["properties"]!.AsObject(), typeof(FineTunePipelineBedrock)),
            ["bedrock.endpoints"] = (root["properties"]!["bedrock"]!["properties"]!["endpoints"]!["properties"]!.AsObject(), typeof(FineTunePipelineBedrockEndpoints)),
            ["bedrock.hosting"] = (root["properties"]!["bedrock"]!["properties"]!["hosting"]!["properties"]!.AsObject(), typeof(FineTunePipelineBedrockHosting)),
        };
        string[] notInFiles = [nameof(FineTunePipelineDefinition.BaseDirectory), nameof(FineTunePipelineDefinition.SourcePath)];

        foreach (var (section, (properties, model)) in sections)
        {
            var modelNames = model.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => !notInFiles.Contains(p.Name))
                .Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..]);
            properties.Select(p => p.Key).Should().BeEquivalentTo(modelNames, $"schema section '{section}' lists the model's properties");
            properties.Select(p => p.Key).Should().BeEquivalentTo(PipelineDefinitionReader.Keys[section], $"schema section '{section}' lists the reader's keys");
        }
    }

    private static System.Text.Json.JsonElement Element(JsonNode? node) => System.Text.Json.JsonSerializer.SerializeToElement(node);

    /// <summary>YAML (or JSON) to the JSON the schema sees: plain scalars typed as YAML 1.2's core schema types them.</summary>
    internal static JsonNode? ToJson(string text, string name)
    {
        if (name.EndsWith(".json", StringComparison.Ordinal))
        {
            return JsonNode.Parse(text);
        }

        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return Convert(stream.Documents[0].RootNode);

        static JsonNode? Convert(YamlNode node) => node switch
        {
            YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value!, Convert(kv.Value)))),
            YamlSequenceNode seq => new JsonArray(seq.Children.Select(Convert).ToArray()),
            YamlScalarNode { Style: ScalarStyle.Plain } s when s.Value is null or "" or "~" or "null" => null,
            YamlScalarNode { Style: ScalarStyle.Plain } s when s.Value is "true" or "false" => JsonValue.Create(s.Value == "true"),
            YamlScalarNode { Style: ScalarStyle.Plain } s when long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
            YamlScalarNode { Style: ScalarStyle.Plain } s when double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => JsonValue.Create(d),
            YamlScalarNode s => JsonValue.Create(s.Value ?? string.Empty),
            _ => null,
        };
    }
}
