using System.Text.Json;
using System.Text.Json.Serialization;

namespace FineTune.Sdk;

/// <summary>Source-generated JSON metadata of the registry document and its history (camelCase, nulls omitted, enums as strings).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    WriteIndented = true)]
[JsonSerializable(typeof(RegistryDocument))]
[JsonSerializable(typeof(RegistryHistoryEntry))]
[JsonSerializable(typeof(List<RegistryHistoryEntry>))]
[JsonSerializable(typeof(RegistryChecklistReport))]
internal sealed partial class RegistryJsonContext : JsonSerializerContext
{
    /// <summary>Gets the same metadata writing one line per value (history lines, database columns).</summary>
    public static RegistryJsonContext Compact => s_compact ??= new(new JsonSerializerOptions(Default!.Options) { WriteIndented = false });

    private static RegistryJsonContext? s_compact;
}

/// <summary>Reads and writes the registry's JSON forms; every store uses these so all hold the same bytes.</summary>
public static class RegistryJson
{
    /// <summary>Serializes a document as indented JSON with a stable key order (the file store's format).</summary>
    /// <param name="document">The document.</param>
    /// <returns>The JSON text, ending with a newline.</returns>
    public static string Serialize(RegistryDocument document) => JsonSerializer.Serialize(document, RegistryJsonContext.Default.RegistryDocument) + "\n";

    /// <summary>Serializes a history entry as one line of JSON.</summary>
    /// <param name="entry">The entry.</param>
    /// <returns>The JSON text without a newline.</returns>
    public static string Serialize(RegistryHistoryEntry entry) => JsonSerializer.Serialize(entry, RegistryJsonContext.Compact.RegistryHistoryEntry);

    /// <summary>Serializes a list of history entries (for <c>--json</c> output).</summary>
    /// <param name="entries">The entries.</param>
    /// <returns>Indented JSON.</returns>
    public static string Serialize(IEnumerable<RegistryHistoryEntry> entries) => JsonSerializer.Serialize(entries.ToList(), RegistryJsonContext.Default.ListRegistryHistoryEntry);

    /// <summary>Serializes a pre-deploy checklist report (for <c>--json</c> output).</summary>
    /// <param name="report">The report.</param>
    /// <returns>Indented JSON, ending with a newline.</returns>
    public static string Serialize(RegistryChecklistReport report) => JsonSerializer.Serialize(report, RegistryJsonContext.Default.RegistryChecklistReport) + "\n";

    /// <summary>Parses a document.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="source">Where the text came from, for error messages.</param>
    /// <returns>The document.</returns>
    /// <exception cref="ModelRegistryException">The text is not a registry document (the message names the source, line and JSON path).</exception>
    public static RegistryDocument DeserializeDocument(string json, string source)
    {
        try
        {
            var document = JsonSerializer.Deserialize(json, RegistryJsonContext.Default.RegistryDocument) ?? throw new JsonException("The JSON is null.");
            if (document.SchemaVersion != RegistryDocument.CurrentSchemaVersion)
            {
                throw new ModelRegistryException("registry.schema", $"{source} has schema version {document.SchemaVersion}; this release reads {RegistryDocument.CurrentSchemaVersion}.");
            }

            return document;
        }
        catch (JsonException ex)
        {
            throw new ModelRegistryException("registry.json", $"{source} is not a valid registry document: line {(ex.LineNumber ?? 0) + 1}, path {ex.Path ?? "$"}: {ex.Message}");
        }
    }

    /// <summary>Parses a history entry.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The entry, or <see langword="null"/> when the text is not one (a torn write of an uncommitted change).</returns>
    public static RegistryHistoryEntry? TryDeserializeEntry(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, RegistryJsonContext.Compact.RegistryHistoryEntry);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
