using System.Text.Json.Serialization;

namespace FineTune.Sdk;

/// <summary>Source-generated JSON metadata of the adaptation advisor's signals and decision records (camelCase, enums as strings).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    WriteIndented = true)]
[JsonSerializable(typeof(AdaptationDecision))]
[JsonSerializable(typeof(AdaptationSignals))]
internal sealed partial class AdviceJsonContext : JsonSerializerContext;
