using System.ClientModel.Primitives;
using System.Globalization;
using System.Text.Json;

namespace FineTune.Sdk.OpenAI;

/// <summary>
/// Checks that a successful, buffered chat answer is JSON before the OpenAI package parses it, so an endpoint that
/// answers a web page (a proxy's error page, a wrong base URL) or broken JSON gets a clear
/// <see cref="FineTuneException"/> naming the status and content type, instead of a raw <c>JsonReaderException</c>.
/// Streamed answers (not buffered) are left to the package.
/// </summary>
internal sealed class OpenAIResponseShapePolicy(string operation) : PipelinePolicy
{
    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ProcessNext(message, pipeline, currentIndex);
        Check(message);
    }

    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
        Check(message);
    }

    private void Check(PipelineMessage message)
    {
        if (message.Response is not { } response || !message.BufferResponse || response.Status is < 200 or > 299)
        {
            return;
        }

        var body = response.Content.ToMemory();
        var type = response.Headers.TryGetValue("Content-Type", out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
        var first = FirstNonSpace(body.Span);
        var isJson = type is null ? first is (byte)'{' or (byte)'[' : type.Contains("json", StringComparison.OrdinalIgnoreCase);
        var status = response.Status.ToString(CultureInfo.InvariantCulture);
        var typeText = type ?? "no content type";
        if (!isJson)
        {
            var what = (type is not null && type.Contains("html", StringComparison.OrdinalIgnoreCase)) || first == (byte)'<' ? "HTML" : "non-JSON content";
            throw Error($"OpenAI {operation}: the endpoint answered {what}, not JSON (HTTP {status}, {typeText}); check that the endpoint is the API's base URL (ending in /v1), not a web page or a proxy.");
        }

        if (body.IsEmpty)
        {
            throw Error($"OpenAI {operation}: the endpoint answered an empty body (HTTP {status}, {typeText}), not a JSON response.");
        }

        try
        {
            var reader = new Utf8JsonReader(body.Span.StartsWith("\uFEFF"u8) ? body.Span[3..] : body.Span);
            while (reader.Read())
            {
            }
        }
        catch (JsonException ex)
        {
            throw Error(string.Create(CultureInfo.InvariantCulture, $"OpenAI {operation}: the endpoint answered malformed JSON (HTTP {status}, {typeText}): invalid or cut short at line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}."));
        }
    }

    private static byte FirstNonSpace(ReadOnlySpan<byte> body)
    {
        var at = body.IndexOfAnyExcept(" \t\r\n"u8);
        return at < 0 ? (byte)0 : body[at];
    }

    private static FineTuneException Error(string message) => new(message) { Provider = OpenAIErrors.Provider };
}
