using System.Text.Json.Serialization;

namespace FineTune.Sdk.OpenAI;

/// <summary>Body of <c>POST /uploads</c>.</summary>
internal sealed record UploadCreateRequest(
    [property: JsonPropertyName("filename")] string FileName,
    [property: JsonPropertyName("purpose")] string Purpose,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("mime_type")] string MimeType);

/// <summary>Body of <c>POST /uploads/{id}/complete</c>.</summary>
internal sealed record UploadCompleteRequest([property: JsonPropertyName("part_ids")] IReadOnlyList<string> PartIds);

/// <summary>Source-generated serialization for the adapter's request DTOs.</summary>
[JsonSerializable(typeof(UploadCreateRequest))]
[JsonSerializable(typeof(UploadCompleteRequest))]
internal sealed partial class OpenAIJsonContext : JsonSerializerContext;
