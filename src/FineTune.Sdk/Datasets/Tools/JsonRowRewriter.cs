using System.Text.Encodings.Web;
using System.Text.Json;

namespace FineTune.Sdk;

/// <summary>
/// Re-writes a row's JSON with some string values replaced, keeping every other value's raw text. Used by the
/// redactor and the entity-swap augmenter.
/// </summary>
internal static class JsonRowRewriter
{
    /// <summary>Writer options for rewritten rows: compact, and readable non-ASCII text (no <c>\uXXXX</c> for letters or <c>&lt;</c>).</summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = false };

    /// <summary>Writes <paramref name="root"/> with every string passed through <paramref name="map"/>.</summary>
    /// <param name="root">The row.</param>
    /// <param name="writer">Where to write it.</param>
    /// <param name="map">Returns the replacement for a string value, or <see langword="null"/> to keep it.</param>
    /// <param name="skipMetadata">Whether strings under <c>$.metadata</c> are left alone.</param>
    /// <param name="writeMetadataExtras">Writes extra properties into <c>$.metadata</c> (created when missing).</param>
    /// <returns>Whether any string was replaced.</returns>
    public static bool Rewrite(JsonElement root, Utf8JsonWriter writer, Func<string, string?> map, bool skipMetadata = false, Action<Utf8JsonWriter>? writeMetadataExtras = null)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Write(root, writer, map);
        }

        var changed = false;
        var sawMetadata = false;
        writer.WriteStartObject();
        foreach (var property in root.EnumerateObject())
        {
            writer.WritePropertyName(property.Name);
            if (property.NameEquals("metadata"u8) && property.Value.ValueKind == JsonValueKind.Object)
            {
                sawMetadata = true;
                writer.WriteStartObject();
                foreach (var item in property.Value.EnumerateObject())
                {
                    writer.WritePropertyName(item.Name);
                    if (skipMetadata)
                    {
                        item.Value.WriteTo(writer);
                    }
                    else
                    {
                        changed |= Write(item.Value, writer, map);
                    }
                }

                writeMetadataExtras?.Invoke(writer);
                writer.WriteEndObject();
            }
            else
            {
                changed |= Write(property.Value, writer, map);
            }
        }

        if (!sawMetadata && writeMetadataExtras is not null)
        {
            writer.WritePropertyName("metadata"u8);
            writer.WriteStartObject();
            writeMetadataExtras(writer);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        return changed;
    }

    private static bool Write(JsonElement element, Utf8JsonWriter writer, Func<string, string?> map)
    {
        var changed = false;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject())
                {
                    writer.WritePropertyName(property.Name);
                    changed |= Write(property.Value, writer, map);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    changed |= Write(item, writer, map);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                var value = element.GetString()!;
                var replacement = map(value);
                if (replacement is null || string.Equals(replacement, value, StringComparison.Ordinal))
                {
                    element.WriteTo(writer);
                }
                else
                {
                    writer.WriteStringValue(replacement);
                    changed = true;
                }

                break;
            default:
                element.WriteTo(writer);
                break;
        }

        return changed;
    }
}
