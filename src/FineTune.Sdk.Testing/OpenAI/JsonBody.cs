using System.Buffers;
using System.Text.Json;

namespace FineTune.Sdk.Testing;

/// <summary>Writes response bodies with <see cref="Utf8JsonWriter"/>, so field order and nulls are exactly the service's.</summary>
internal static class JsonBody
{
    public static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Error(OpenAIApiException error) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteStartObject("error");
        w.WriteString("message", error.Message);
        w.WriteString("type", error.Type);
        WriteNullableString(w, "param", error.Param);
        WriteNullableString(w, "code", error.Code);
        w.WriteEndObject();
        w.WriteEndObject();
    });

    public static void WriteNullableString(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    public static void WriteNullableNumber(Utf8JsonWriter writer, string name, long? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteNumber(name, value.Value);
        }
    }

    public static void WriteList<T>(Utf8JsonWriter writer, IReadOnlyList<T> items, bool hasMore, Func<T, string> id, Action<Utf8JsonWriter, T> writeItem, bool withCursorIds)
    {
        writer.WriteStartObject();
        writer.WriteString("object", "list");
        writer.WriteStartArray("data");
        foreach (var item in items)
        {
            writeItem(writer, item);
        }

        writer.WriteEndArray();
        writer.WriteBoolean("has_more", hasMore);
        if (withCursorIds)
        {
            WriteNullableString(writer, "first_id", items.Count > 0 ? id(items[0]) : null);
            WriteNullableString(writer, "last_id", items.Count > 0 ? id(items[^1]) : null);
        }

        writer.WriteEndObject();
    }
}
