using System.Net;

namespace FineTune.Sdk.Testing;

/// <summary>Serves requests in-process: no socket, the emulator's router answers directly.</summary>
internal sealed class EmulatorHttpMessageHandler(Func<EmulatorRequest, EmulatorResponse> process) : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var emulatorRequest = await ToEmulatorRequestAsync(request, cancellationToken).ConfigureAwait(false);
        var response = process(emulatorRequest);
        if (response.Delay > TimeSpan.Zero)
        {
            await Task.Delay(response.Delay, cancellationToken).ConfigureAwait(false);
        }

        return ToHttpResponse(request, response);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        byte[]? body = null;
        if (request.Content is not null)
        {
            using var buffer = new MemoryStream();
            request.Content.ReadAsStream(cancellationToken).CopyTo(buffer);
            body = buffer.ToArray();
        }

        var emulatorRequest = ToEmulatorRequest(request, body);
        var response = process(emulatorRequest);
        if (response.Delay > TimeSpan.Zero)
        {
            cancellationToken.WaitHandle.WaitOne(response.Delay);
            cancellationToken.ThrowIfCancellationRequested();
        }

        return ToHttpResponse(request, response);
    }

    private static async Task<EmulatorRequest> ToEmulatorRequestAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return ToEmulatorRequest(request, body);
    }

    private static EmulatorRequest ToEmulatorRequest(HttpRequestMessage request, byte[]? body)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in request.Headers)
        {
            headers[header.Key] = string.Join(", ", header.Value);
        }

        if (request.Content is not null)
        {
            foreach (var header in request.Content.Headers)
            {
                headers[header.Key] = string.Join(", ", header.Value);
            }
        }

        var uri = request.RequestUri ?? throw new InvalidOperationException("The request has no URI.");
        var pathAndQuery = uri.IsAbsoluteUri ? uri.PathAndQuery : uri.OriginalString;
        return new EmulatorRequest(request.Method.Method, pathAndQuery, headers, body ?? []);
    }

    private static HttpResponseMessage ToHttpResponse(HttpRequestMessage request, EmulatorResponse response)
    {
        if (response.DropConnection)
        {
            throw new HttpRequestException(HttpRequestError.ResponseEnded, "The OpenAI emulator dropped the connection (injected fault).");
        }

        var message = new HttpResponseMessage((HttpStatusCode)response.StatusCode)
        {
            RequestMessage = request,
            ReasonPhrase = EmulatorResponse.ReasonPhrase(response.StatusCode),
            Content = new ByteArrayContent(response.Body),
        };
        message.Content.Headers.TryAddWithoutValidation("Content-Type", response.ContentType);
        foreach (var header in response.Headers)
        {
            message.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        return message;
    }
}
