using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace FineTune.Sdk.Testing;

/// <content>Files and Uploads APIs (openai.md 1.2, 1.3).</content>
public sealed partial class OpenAIEmulator
{
    private static readonly string[] UploadPurposes = ["assistants", "batch", "fine-tune", "vision", "user_data", "evals"];
    private const long MaxUploadBytes = 8L * 1024 * 1024 * 1024;
    private const int MaxPartBytes = 64 * 1024 * 1024;

    private EmulatorResponse UploadFile(EmulatorRequest request)
    {
        var parts = MultipartForm.TryParse(request.ContentType, request.Body)
            ?? throw OpenAIApiException.BadRequest("The request must be multipart/form-data with the fields 'file' and 'purpose'.");
        var filePart = parts.FirstOrDefault(p => p.Name == "file")
            ?? throw OpenAIApiException.BadRequest("Missing required parameter: 'file'.", "file", "missing_required_parameter");
        var purposePart = parts.FirstOrDefault(p => p.Name == "purpose")
            ?? throw OpenAIApiException.BadRequest("Missing required parameter: 'purpose'.", "purpose", "missing_required_parameter");
        var purpose = purposePart.Text.Trim();
        var fileName = string.IsNullOrEmpty(filePart.FileName) ? "upload" : filePart.FileName;
        CheckPurpose(purpose, fileName);
        if (filePart.Content.LongLength > Options.MaxFileBytes)
        {
            throw new OpenAIApiException(413, $"File is too large: {filePart.Content.LongLength} bytes; the maximum is {Options.MaxFileBytes} bytes.", "invalid_request_error", "file");
        }

        long? expiresAt = null;
        var expires = parts.FirstOrDefault(p => p.Name is "expires_after" or "expires_after[seconds]");
        if (expires is not null)
        {
            expiresAt = Now() + ParseExpiresAfter(expires);
        }

        var file = AddFile(fileName, purpose, filePart.Content, expiresAt);
        return Ok(w => WriteFile(w, file));
    }

    private static long ParseExpiresAfter(MultipartPart part)
    {
        var text = part.Text.Trim();
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
        {
            return seconds;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.TryGetProperty("seconds", out var value) && value.TryGetInt64(out seconds))
            {
                return seconds;
            }
        }
        catch (JsonException)
        {
        }

        throw OpenAIApiException.BadRequest("Invalid 'expires_after': expected {\"anchor\":\"created_at\",\"seconds\":N}.", "expires_after");
    }

    private static void CheckPurpose(string purpose, string fileName)
    {
        if (!UploadPurposes.Contains(purpose, StringComparer.Ordinal))
        {
            throw OpenAIApiException.BadRequest($"'{purpose}' is not one of ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'] - 'purpose'", "purpose");
        }

        if (purpose == "fine-tune" && !fileName.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
        {
            throw OpenAIApiException.BadRequest("Invalid file format for Fine-Tuning API. Must be .jsonl", "file");
        }
    }

    private EmulatedFile AddFile(string fileName, string purpose, byte[] content, long? expiresAt = null, long? createdAt = null, Random? random = null)
    {
        var file = new EmulatedFile(RandomId("file-", 22, Base58, random), fileName, purpose, content, createdAt ?? Now(), NextSequence()) { ExpiresAt = expiresAt };
        _files[file.Id] = file;
        if (purpose == "fine-tune")
        {
            _answers.Learn(TrainingFile.ExtractPairs(content));
        }

        return file;
    }

    private EmulatedFile GetFile(string id) =>
        _files.TryGetValue(id, out var file) ? file : throw OpenAIApiException.NotFound($"No such File object: {id}", "id");

    private EmulatorResponse ListFiles(EmulatorRequest request)
    {
        var purpose = request.QueryValue("purpose");
        var order = request.QueryValue("order") ?? "desc";
        if (order is not ("asc" or "desc"))
        {
            throw OpenAIApiException.BadRequest($"Invalid 'order': expected 'asc' or 'desc', got '{order}'.", "order");
        }

        var limit = Limit(request, 10_000, 10_000);
        var files = _files.Values.Where(f => purpose is null || f.Purpose == purpose);
        var ordered = (order == "asc" ? files.OrderBy(f => f.Sequence) : files.OrderByDescending(f => f.Sequence)).ToList();
        var (page, hasMore) = Paginate(ordered, f => f.Id, request.QueryValue("after"), limit);
        return Ok(w => JsonBody.WriteList(w, page, hasMore, f => f.Id, WriteFile, withCursorIds: true));
    }

    private EmulatorResponse DeleteFile(string id)
    {
        var file = GetFile(id);
        _files.Remove(file.Id);
        return Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("id", file.Id);
            w.WriteString("object", "file");
            w.WriteBoolean("deleted", true);
            w.WriteEndObject();
        });
    }

    private static void WriteFile(Utf8JsonWriter w, EmulatedFile file)
    {
        w.WriteStartObject();
        w.WriteString("id", file.Id);
        w.WriteString("object", "file");
        w.WriteNumber("bytes", file.Content.LongLength);
        w.WriteNumber("created_at", file.CreatedAt);
        JsonBody.WriteNullableNumber(w, "expires_at", file.ExpiresAt);
        w.WriteString("filename", file.FileName);
        w.WriteString("purpose", file.Purpose);
        w.WriteString("status", "processed");
        w.WriteNull("status_details");
        w.WriteEndObject();
    }

    private EmulatorResponse CreateUpload(EmulatorRequest request)
    {
        using var document = ParseJsonBody(request);
        var root = document.RootElement;
        var fileName = RequiredString(root, "filename");
        var purpose = RequiredString(root, "purpose");
        var mimeType = RequiredString(root, "mime_type");
        if (!root.TryGetProperty("bytes", out var bytesElement) || !bytesElement.TryGetInt64(out var bytes) || bytes < 0)
        {
            throw OpenAIApiException.BadRequest("Missing required parameter: 'bytes'.", "bytes", "missing_required_parameter");
        }

        CheckPurpose(purpose, fileName);
        if (bytes > MaxUploadBytes)
        {
            throw OpenAIApiException.BadRequest($"Upload is too large: {bytes} bytes; the maximum is {MaxUploadBytes} bytes.", "bytes");
        }

        var upload = new EmulatedUpload(RandomId("upload_", 24), fileName, purpose, bytes, mimeType, Now());
        _uploads[upload.Id] = upload;
        return Ok(w => WriteUpload(w, upload));
    }

    private EmulatedUpload GetUpload(string id)
    {
        if (!_uploads.TryGetValue(id, out var upload))
        {
            throw OpenAIApiException.NotFound($"No such Upload object: {id}", "upload_id");
        }

        if (upload.Status == "pending" && Now() >= upload.ExpiresAt)
        {
            upload.Status = "expired";
        }

        return upload;
    }

    private EmulatorResponse AddUploadPart(string id, EmulatorRequest request)
    {
        var upload = GetUpload(id);
        RequirePending(upload);
        var parts = MultipartForm.TryParse(request.ContentType, request.Body)
            ?? throw OpenAIApiException.BadRequest("The request must be multipart/form-data with the field 'data'.");
        var data = parts.FirstOrDefault(p => p.Name == "data")
            ?? throw OpenAIApiException.BadRequest("Missing required parameter: 'data'.", "data", "missing_required_parameter");
        if (data.Content.Length > MaxPartBytes)
        {
            throw OpenAIApiException.BadRequest($"Part is too large: {data.Content.Length} bytes; the maximum is {MaxPartBytes} bytes.", "data");
        }

        var partId = RandomId("part_", 24);
        upload.Parts[partId] = data.Content;
        var createdAt = Now();
        return Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("id", partId);
            w.WriteString("object", "upload.part");
            w.WriteNumber("created_at", createdAt);
            w.WriteString("upload_id", upload.Id);
            w.WriteEndObject();
        });
    }

    private EmulatorResponse CompleteUpload(string id, EmulatorRequest request)
    {
        var upload = GetUpload(id);
        RequirePending(upload);
        using var document = ParseJsonBody(request);
        if (!document.RootElement.TryGetProperty("part_ids", out var partIds) || partIds.ValueKind != JsonValueKind.Array)
        {
            throw OpenAIApiException.BadRequest("Missing required parameter: 'part_ids'.", "part_ids", "missing_required_parameter");
        }

        using var content = new MemoryStream();
        foreach (var partId in partIds.EnumerateArray())
        {
            var key = partId.GetString() ?? string.Empty;
            if (!upload.Parts.TryGetValue(key, out var part))
            {
                throw OpenAIApiException.BadRequest($"Invalid part id: {key}", "part_ids");
            }

            content.Write(part);
        }

        if (content.Length != upload.Bytes)
        {
            throw OpenAIApiException.BadRequest($"The upload was created with bytes={upload.Bytes}, but the parts add up to {content.Length} bytes.", "part_ids");
        }

        var bytes = content.ToArray();
        if (document.RootElement.TryGetProperty("md5", out var md5) && md5.ValueKind == JsonValueKind.String && !string.IsNullOrEmpty(md5.GetString()))
        {
#pragma warning disable CA5351 // MD5 is what the Uploads API checks, not a security measure.
            var actual = Convert.ToHexString(MD5.HashData(bytes));
#pragma warning restore CA5351
            if (!string.Equals(actual, md5.GetString(), StringComparison.OrdinalIgnoreCase))
            {
                throw OpenAIApiException.BadRequest("The md5 checksum of the parts does not match 'md5'.", "md5");
            }
        }

        upload.File = AddFile(upload.FileName, upload.Purpose, bytes);
        upload.Status = "completed";
        return Ok(w => WriteUpload(w, upload));
    }

    private EmulatorResponse CancelUpload(string id)
    {
        var upload = GetUpload(id);
        RequirePending(upload);
        upload.Status = "cancelled";
        return Ok(w => WriteUpload(w, upload));
    }

    private static void RequirePending(EmulatedUpload upload)
    {
        if (upload.Status != "pending")
        {
            throw OpenAIApiException.BadRequest($"Upload {upload.Id} is {upload.Status}; only pending uploads accept this operation.", "upload_id");
        }
    }

    private static void WriteUpload(Utf8JsonWriter w, EmulatedUpload upload)
    {
        w.WriteStartObject();
        w.WriteString("id", upload.Id);
        w.WriteString("object", "upload");
        w.WriteNumber("bytes", upload.Bytes);
        w.WriteNumber("created_at", upload.CreatedAt);
        w.WriteString("filename", upload.FileName);
        w.WriteString("purpose", upload.Purpose);
        w.WriteString("status", upload.Status);
        w.WriteNumber("expires_at", upload.ExpiresAt);
        if (upload.File is null)
        {
            w.WriteNull("file");
        }
        else
        {
            w.WritePropertyName("file");
            WriteFile(w, upload.File);
        }

        w.WriteEndObject();
    }

    private static string RequiredString(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(value.GetString()))
        {
            throw OpenAIApiException.BadRequest($"Missing required parameter: '{name}'.", name, "missing_required_parameter");
        }

        return value.GetString()!;
    }
}
