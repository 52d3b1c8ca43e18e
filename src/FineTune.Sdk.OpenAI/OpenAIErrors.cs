using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Text.Json;

namespace FineTune.Sdk.OpenAI;

/// <summary>Turns OpenAI failures into <see cref="FineTuneException"/> (provider, status, code, request id, Retry-After; never the key).</summary>
internal static class OpenAIErrors
{
    public const string Provider = "openai";

    /// <summary>OpenAI's announced end of job creation for every organization.</summary>
    public static readonly DateOnly JobCreationEndsOn = new(2027, 1, 6);

    public static Exception Map(Exception exception, string operation, TimeProvider time) => exception switch
    {
        FineTuneException or OperationCanceledException => exception,
        ClientResultException cre when cre.GetRawResponse() is { } response => FromResponse(response, operation, time, cre),
        ClientResultException cre => new FineTuneException($"OpenAI {operation} failed before a response arrived: {FirstLine(cre.Message)}", cre)
        {
            Provider = Provider,
            IsTransient = true,
        },
        HttpRequestException or IOException => new FineTuneException($"OpenAI {operation} failed in transport: {exception.Message}", exception)
        {
            Provider = Provider,
            IsTransient = true,
        },
        _ => exception,
    };

    public static FineTuneException FromResponse(PipelineResponse response, string operation, TimeProvider time, Exception? inner = null)
    {
        string? type = null, code = null, param = null, apiMessage = null;
        try
        {
            var content = response.Content;
            if (content is not null && content.ToMemory().Length > 0)
            {
                using var doc = JsonDocument.Parse(content.ToMemory());
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
                {
                    type = OpenAIJson.Str(error, "type");
                    code = OpenAIJson.Str(error, "code");
                    param = OpenAIJson.Str(error, "param");
                    apiMessage = OpenAIJson.Str(error, "message");
                }
            }
        }
        catch (JsonException)
        {
            // not the error envelope; keep the status alone
        }
        catch (InvalidOperationException)
        {
            // content not buffered
        }

        var status = response.Status;
        var requestId = Header(response, "x-request-id");
        var retryAfter = RetryAfter(response, time);
        var detail = apiMessage is null ? response.ReasonPhrase : apiMessage;
        var message = $"OpenAI {operation} failed: HTTP {status} ({type ?? "error"}: {code ?? "no code"}){(param is null ? string.Empty : $", parameter '{param}'")}. {detail}"
            + (requestId is null ? string.Empty : $" (request id {requestId})");
        return new FineTuneException(message, inner)
        {
            Provider = Provider,
            StatusCode = status,
            ProviderCode = code ?? type,
            Parameter = param,
            RequestId = requestId,
            RetryAfter = retryAfter,
            IsTransient = FineTuneException.IsTransientStatus(status),
        };
    }

    /// <summary>Recognises the wind-down refusal of job creation and turns it into the typed exception.</summary>
    public static Exception MapCreate(Exception exception, string operation, TimeProvider time)
    {
        var mapped = Map(exception, operation, time);
        if (mapped is FineTuneException fte and not FineTuneJobCreationRefusedException && IsCreationRefusal(fte))
        {
            return new FineTuneJobCreationRefusedException(
                $"OpenAI refused to create the fine-tuning job (HTTP {fte.StatusCode}, {fte.ProviderCode ?? "no code"}). OpenAI is winding down self-serve fine-tuning: "
                + "organizations without recent fine-tuning activity can no longer create jobs, and job creation ends for every organization on 2027-01-06. "
                + "Fine-tuned models already trained stay callable until their base model retires. Run this dataset on another provider (for example Bedrock). "
                + $"Provider message: {fte.Message}",
                fte)
            {
                Provider = Provider,
                StatusCode = fte.StatusCode,
                ProviderCode = fte.ProviderCode,
                Parameter = fte.Parameter,
                RequestId = fte.RequestId,
                JobCreationEndsOn = JobCreationEndsOn,
            };
        }

        return mapped;
    }

    internal static bool IsCreationRefusal(FineTuneException exception)
    {
        if (exception.StatusCode is not (400 or 403 or 404 or 410))
        {
            return false;
        }

        // Errors about one request field (model_not_available, invalid training_file, ...) are the caller's to fix.
        if (exception.Parameter is not null || string.Equals(exception.ProviderCode, "model_not_available", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var code = exception.ProviderCode ?? string.Empty;
        if (code.Contains("fine_tun", StringComparison.OrdinalIgnoreCase)
            && (code.Contains("disabled", StringComparison.OrdinalIgnoreCase) || code.Contains("unavailable", StringComparison.OrdinalIgnoreCase)
                || code.Contains("not_allowed", StringComparison.OrdinalIgnoreCase) || code.Contains("deprecated", StringComparison.OrdinalIgnoreCase)
                || code.Contains("ended", StringComparison.OrdinalIgnoreCase) || code.Contains("wind", StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        // The exact code is unpublished; recognise the wording, not a bare 403 (restricted keys also get 403).
        var message = exception.Message;
        return message.Contains("no longer", StringComparison.OrdinalIgnoreCase)
            || message.Contains("not allowed to create", StringComparison.OrdinalIgnoreCase)
            || message.Contains("winding down", StringComparison.OrdinalIgnoreCase)
            || message.Contains("wind-down", StringComparison.OrdinalIgnoreCase)
            || message.Contains("wind down", StringComparison.OrdinalIgnoreCase);
    }

    private static string? Header(PipelineResponse response, string name)
        => response.Headers.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;

    internal static TimeSpan? RetryAfter(PipelineResponse response, TimeProvider time)
    {
        if (Header(response, "retry-after-ms") is { } ms && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var millis) && millis >= 0)
        {
            return TimeSpan.FromMilliseconds(millis);
        }

        if (Header(response, "Retry-After") is not { } value)
        {
            return null;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            var wait = date - time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    private static string FirstLine(string text)
    {
        var index = text.IndexOf('\n', StringComparison.Ordinal);
        return index < 0 ? text : text[..index];
    }
}
