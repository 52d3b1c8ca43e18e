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
            await Task.Delay(response.Delay, response.DelayClock ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
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
            Task.Delay(response.Delay, response.DelayClock ?? TimeProvider.System, cancellationToken).GetAwaiter().GetResult();
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
        if (uri.IsAbsoluteUri && !headers.ContainsKey("Host"))
        {
            // What the socket transport would send (signed requests cover it).
            headers["Host"] = uri.IsDefaultPort ? uri.Host : uri.Authority;
        }

        var pathAndQuery = uri.IsAbsoluteUri ? uri.PathAndQuery : uri.OriginalString;
        return new EmulatorRequest(request.Method.Method, pathAndQuery, headers, body ?? []);
    }

    private static HttpResponseMessage ToHttpResponse(HttpRequestMessage request, EmulatorResponse response)
    {
        if (response.DropConnection)
        {
            throw new HttpRequestException(HttpRequestError.ResponseEnded, "The OpenAI emulator dropped the connection (injected fault).");
        }

        var head = request.Method == HttpMethod.Head;
        var message = new HttpResponseMessage((HttpStatusCode)response.StatusCode)
        {
            RequestMessage = request,
            ReasonPhrase = EmulatorResponse.ReasonPhrase(response.StatusCode),
            Content = new ByteArrayContent(head ? [] : response.Body),
        };
        message.Content.Headers.TryAddWithoutValidation("Content-Type", response.ContentType);
        if (head)
        {
            // A HEAD answer describes the body a GET would get, without sending it.
            message.Content.Headers.ContentLength = response.Body.Length;
        }

        foreach (var header in response.Headers)
        {
            if (!message.Headers.TryAddWithoutValidation(header.Key, header.Value))
            {
                message.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        return message;
    }
}
