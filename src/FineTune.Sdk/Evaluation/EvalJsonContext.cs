using System.Text.Json.Serialization;

namespace FineTune.Sdk;

/// <summary>Source-generated JSON metadata for the evaluation wire formats (run file, cache, compare.json).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(RunFileRecord))]
[JsonSerializable(typeof(CachedResponse))]
[JsonSerializable(typeof(ComparisonReport))]
internal sealed partial class EvalJsonContext : JsonSerializerContext;
