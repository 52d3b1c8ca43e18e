using System.Globalization;
using System.Text.Json;

namespace FineTune.Sdk.Testing;

/// <summary>
/// An offline, in-memory emulator of OpenAI's fine-tuning API (files, uploads, fine-tuning jobs with events, checkpoints,
/// cancel/pause/resume, chat completions, models), reachable in-process through <see cref="CreateHttpMessageHandler"/>
/// or over HTTP on a loopback port through <see cref="StartAsync"/>. It is a test double: training is simulated on the
/// clock given by the <see cref="TimeProvider"/>, and models answer from the data they were "trained" on
/// (see docs/emulator.md for the exact rules).
/// </summary>
/// <remarks>Thread-safe: all state is guarded by one lock; requests may arrive concurrently from any thread.</remarks>
public sealed partial class OpenAIEmulator : IAsyncDisposable, IDisposable
{
    private const string Alphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private const string Base58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private readonly object _gate = new();
    private Random _random;
    private readonly Dictionary<string, EmulatedFile> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EmulatedUpload> _uploads = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EmulatedJob> _jobs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _deletedModels = new(StringComparer.Ordinal);
    private readonly AnswerBook _answers = new();
    private readonly List<string> _requestLog = [];
    private readonly LoopbackHost _loopback = new();
    private long _sequence;
    private int _requestCount;
    private readonly IEmulatorResponseObserver? _observer;
    private readonly EmulatorJournal? _journal;
    private DateTimeOffset? _replayAt;
    private TimeSpan _clockOffset;
    private bool _replaying;

    /// <summary>Initializes a new instance of the <see cref="OpenAIEmulator"/> class.</summary>
    /// <param name="options">The options; <see langword="null"/> for the defaults. Validated here.</param>
    /// <param name="timeProvider">The clock training runs on; <see langword="null"/> for <see cref="TimeProvider.System"/>.
    /// Pass a <see cref="Microsoft.Extensions.Time.Testing.FakeTimeProvider"/> to step through every state.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="InvalidDataException"><see cref="OpenAIEmulatorOptions.StatePath"/> names a file that is not an
    /// OpenAI emulator state file, or whose changes no longer apply; the message names the file and the JSON path.</exception>
    public OpenAIEmulator(OpenAIEmulatorOptions? options = null, TimeProvider? timeProvider = null)
    {
        Options = options ?? new OpenAIEmulatorOptions();
        Options.Validate();
        TimeProvider = timeProvider ?? TimeProvider.System;
        _random = Options.RandomSeed is { } seed ? new Random(seed) : new Random();
        _observer = ObserverFactory?.Invoke();
        if (Options.StatePath is { } statePath)
        {
            _journal = EmulatorJournal.Open(statePath, "openai", Options.RandomSeed);
            Replay(_journal);
        }
    }

    /// <summary>Gets or sets a test hook: when set, each new emulator asks it for an observer that sees every response
    /// before it leaves and the emulator's disposal (this repository's tests validate responses against OpenAI's OpenAPI document).</summary>
    internal static Func<IEmulatorResponseObserver>? ObserverFactory { get; set; }

    /// <summary>Gets the base address to use with the handler from <see cref="CreateHttpMessageHandler"/>.</summary>
    /// <value><c>http://openai-emulator.invalid/v1</c>; any host works in-process, only the path matters.</value>
    public static Uri InProcessEndpoint { get; } = new("http://openai-emulator.invalid/v1");

    /// <summary>Gets the options; fault settings may be changed between requests.</summary>
    public OpenAIEmulatorOptions Options { get; }

    /// <summary>Gets the clock training runs on.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Gets the loopback base address (<c>http://127.0.0.1:PORT/v1</c>) once <see cref="StartAsync"/> ran, else <see langword="null"/>.</summary>
    public Uri? BaseAddress { get; private set; }

    /// <summary>Gets the number of requests received so far (including those answered with an injected fault).</summary>
    public int RequestCount => Volatile.Read(ref _requestCount);

    /// <summary>Gets a snapshot of the requests received so far, oldest first, as <c>METHOD /v1/path?query</c>
    /// (at most the last 10,000), so a test can assert what a client sent, e.g. a lookup before a create.</summary>
    /// <returns>A copy of the log.</returns>
    public IReadOnlyList<string> GetRequestLog()
    {
        lock (_gate)
        {
            return [.. _requestLog];
        }
    }

    /// <summary>Gets the number of fine-tuning jobs created so far (including those whose create response was lost).</summary>
    public int JobCount
    {
        get
        {
            lock (_gate)
            {
                return _jobs.Count;
            }
        }
    }

    /// <summary>Gets the number of TCP connections the loopback server accepted (for keep-alive tests).</summary>
    internal int AcceptedConnections => _loopback.AcceptedConnections;

    /// <summary>Creates a handler that serves requests in-process; use it with <see cref="InProcessEndpoint"/>.</summary>
    /// <returns>A new handler; dispose it with the <see cref="HttpClient"/> that owns it.</returns>
    public HttpMessageHandler CreateHttpMessageHandler() => new EmulatorHttpMessageHandler(Handle);

    /// <summary>Starts serving HTTP/1.1 on 127.0.0.1.</summary>
    /// <param name="port">The port; 0 picks a free one.</param>
    /// <param name="cancellationToken">A token to cancel the start.</param>
    /// <returns>The base address, <c>http://127.0.0.1:PORT/v1</c>.</returns>
    /// <exception cref="InvalidOperationException">The server was already started.</exception>
    public Task<Uri> StartAsync(int port = 0, CancellationToken cancellationToken = default)
    {
        BaseAddress = _loopback.Start(Handle, port, Math.Max(Options.MaxFileBytes, 64L * 1024 * 1024) + (1024 * 1024), "/v1", cancellationToken);
        return Task.FromResult(BaseAddress);
    }

    /// <summary>Stops the HTTP server (if started) and waits for open connections to finish.</summary>
    /// <returns>A task that completes when the server is stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await _loopback.StopAsync().ConfigureAwait(false);
        Stopped();
    }

    /// <summary>Stops the HTTP server (if started) without waiting.</summary>
    /// <remarks>
    /// Never blocks: the port is closed and open connections are cancelled at once; a request already being answered
    /// finishes on its own, and nothing of the server stays behind.
    /// <see cref="DisposeAsync"/> also waits for that.
    /// </remarks>
    public void Dispose()
    {
        ServerCompletion = _loopback.Stop();
        Stopped();
    }

    /// <summary>Gets a task that completes when the last connection of the stopped server has ended (tests).</summary>
    internal Task ServerCompletion { get; private set; } = Task.CompletedTask;

    private void Stopped()
    {
        if (_journal is not null)
        {
            lock (_gate)
            {
                _journal.SavePosition(UtcNow());
            }
        }

        _observer?.OnDisposed();
    }

    internal EmulatorResponse Handle(EmulatorRequest request)
    {
        var response = HandleCore(request);
        _observer?.OnResponse(request, response);
        return response;
    }

    private EmulatorResponse HandleCore(EmulatorRequest request)
    {
        Interlocked.Increment(ref _requestCount);
        lock (_gate)
        {
            if (_requestLog.Count == 10_000)
            {
                _requestLog.RemoveAt(0);
            }

            _requestLog.Add(request.Method + " /v1" + (request.Path == "/" ? string.Empty : request.Path) + request.QueryString);
            var delay = TimeSpan.Zero;
            try
            {
                var matches = Options.FaultPathContains is null || request.Path.Contains(Options.FaultPathContains, StringComparison.Ordinal);
                if (matches)
                {
                    delay = Options.ResponseDelay;
                    var fault = InjectFault();
                    if (fault is not null)
                    {
                        fault.Delay = delay;
                        fault.DelayClock = TimeProvider;
                        return fault;
                    }
                }

                Authenticate(request);
                AdvanceAll();
                var journaled = _journal is not null && IsJournaled(request);
                if (journaled)
                {
                    _random = new Random(_journal!.DeriveSeed("op:" + _journal.Entries.Count.ToString(CultureInfo.InvariantCulture)));
                }

                var response = Route(request);
                if (journaled && (response.StatusCode is >= 200 and < 300 || response.DropConnection))
                {
                    Journal(request);
                }

                response.Delay = delay;
                response.DelayClock = TimeProvider;
                return response;
            }
            catch (OpenAIApiException error)
            {
                return new EmulatorResponse(error.StatusCode, "application/json", JsonBody.Error(error)) { Delay = delay, DelayClock = TimeProvider };
            }
        }
    }

    private EmulatorResponse? InjectFault()
    {
        if (Options.DropConnectionNextRequests > 0 || (Options.DropConnectionRate > 0 && _random.NextDouble() < Options.DropConnectionRate))
        {
            Options.DropConnectionNextRequests = Math.Max(0, Options.DropConnectionNextRequests - 1);
            return EmulatorResponse.Dropped();
        }

        if (Options.RateLimitNextRequests > 0 || (Options.RateLimitRate > 0 && _random.NextDouble() < Options.RateLimitRate))
        {
            Options.RateLimitNextRequests = Math.Max(0, Options.RateLimitNextRequests - 1);
            var response = ErrorResponse(new OpenAIApiException(429, "Rate limit reached for requests. Please try again later.", "requests", null, "rate_limit_exceeded"));
            AddRetryAfter(response);
            return response;
        }

        if (Options.ServerErrorNextRequests > 0 || (Options.ServerErrorRate > 0 && _random.NextDouble() < Options.ServerErrorRate))
        {
            Options.ServerErrorNextRequests = Math.Max(0, Options.ServerErrorNextRequests - 1);
            var status = Options.ServerErrorStatusCode;
            var message = status == 503
                ? "The server is overloaded or not ready yet."
                : "The server had an error while processing your request. Sorry about that!";
            var response = ErrorResponse(new OpenAIApiException(status, message, "server_error"));
            if (status == 503)
            {
                AddRetryAfter(response);
            }

            return response;
        }

        return null;
    }

    private void AddRetryAfter(EmulatorResponse response)
    {
        var seconds = (long)Math.Ceiling(Options.RetryAfter.TotalSeconds);
        response.Headers.Add(new("Retry-After", seconds.ToString(CultureInfo.InvariantCulture)));
        response.Headers.Add(new("retry-after-ms", ((long)Options.RetryAfter.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)));
    }

    private static EmulatorResponse ErrorResponse(OpenAIApiException error) => new(error.StatusCode, "application/json", JsonBody.Error(error));

    private void Authenticate(EmulatorRequest request)
    {
        if (Options.ApiKey is null)
        {
            return;
        }

        var header = request.Headers.TryGetValue("Authorization", out var value) ? value : string.Empty;
        if (!string.Equals(header, "Bearer " + Options.ApiKey, StringComparison.Ordinal))
        {
            throw new OpenAIApiException(401, IncorrectKeyMessage(header), "invalid_request_error", null, "invalid_api_key");
        }
    }

    // As the service: the wrong key comes back masked, its prefix and last four characters visible.
    private static string IncorrectKeyMessage(string header)
    {
        var key = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..].Trim() : string.Empty;
        if (key.Length < 8)
        {
            return "Incorrect API key provided.";
        }

        var prefix = key.StartsWith("sk-proj-", StringComparison.Ordinal) ? 8 : 3;
        return $"Incorrect API key provided: {key[..prefix]}{new string('*', key.Length - prefix - 4)}{key[^4..]}. You can find your API key at https://platform.openai.com/account/api-keys.";
    }

    private EmulatorResponse Route(EmulatorRequest request)
    {
        var s = request.Segments;
        var method = request.Method;
        switch (s.Length > 0 ? s[0] : string.Empty)
        {
            case "files":
                if (s.Length == 1 && method == "POST")
                {
                    return UploadFile(request);
                }

                if (s.Length == 1 && method == "GET")
                {
                    return ListFiles(request);
                }

                if (s.Length == 2 && method == "GET")
                {
                    return Ok(w => WriteFile(w, GetFile(s[1])));
                }

                if (s.Length == 2 && method == "DELETE")
                {
                    return DeleteFile(s[1]);
                }

                if (s.Length == 3 && s[2] == "content" && method == "GET")
                {
                    var file = GetFile(s[1]);
                    return EmulatorResponse.Bytes(file.Purpose == "fine-tune-results" ? "text/csv" : "application/octet-stream", file.Content);
                }

                break;
            case "uploads":
                if (s.Length == 1 && method == "POST")
                {
                    return CreateUpload(request);
                }

                if (s.Length == 3 && method == "POST")
                {
                    switch (s[2])
                    {
                        case "parts":
                            return AddUploadPart(s[1], request);
                        case "complete":
                            return CompleteUpload(s[1], request);
                        case "cancel":
                            return CancelUpload(s[1]);
                    }
                }

                break;
            case "fine_tuning":
                if (s.Length >= 2 && s[1] == "jobs")
                {
                    return RouteJobs(request, s);
                }

                if (s.Length is 4 or 5 && s[1] == "checkpoints" && s[3] == "permissions")
                {
                    return RoutePermissions(request, s);
                }

                break;
            case "chat":
                if (s.Length == 2 && s[1] == "completions" && method == "POST")
                {
                    return ChatCompletion(request);
                }

                break;
            case "models":
                if (s.Length == 1 && method == "GET")
                {
                    return ListModels();
                }

                if (s.Length == 2 && method == "GET")
                {
                    return RetrieveModel(s[1]);
                }

                if (s.Length == 2 && method == "DELETE")
                {
                    return DeleteModel(s[1]);
                }

                break;
        }

        throw OpenAIApiException.NotFound($"Invalid URL ({method} /v1{request.Path})");
    }

    private EmulatorResponse RouteJobs(EmulatorRequest request, string[] s)
    {
        var method = request.Method;
        if (s.Length == 2)
        {
            return method switch
            {
                "POST" => CreateJob(request),
                "GET" => ListJobs(request),
                _ => throw OpenAIApiException.NotFound($"Invalid URL ({method} /v1{request.Path})"),
            };
        }

        var job = GetJob(s[2]);
        if (s.Length == 3 && method == "GET")
        {
            return Ok(w => WriteJob(w, job));
        }

        if (s.Length == 4)
        {
            switch (s[3], method)
            {
                case ("cancel", "POST"):
                    return CancelJob(job);
                case ("pause", "POST"):
                    return PauseJob(job);
                case ("resume", "POST"):
                    return ResumeJob(job);
                case ("events", "GET"):
                    return ListEvents(job, request);
                case ("checkpoints", "GET"):
                    return ListCheckpoints(job, request);
            }
        }

        throw OpenAIApiException.NotFound($"Invalid URL ({method} /v1{request.Path})");
    }

    private static EmulatorResponse Ok(Action<Utf8JsonWriter> write) => EmulatorResponse.Json(200, JsonBody.Write(write));

    private long Now() => UtcNow().ToUnixTimeSeconds();

    /// <summary>The emulator's time: the recorded time while replaying the state file, else the clock (moved forward to the
    /// state file's position when the clock is behind it, so a job keeps progressing from where the last process left it).</summary>
    private DateTimeOffset UtcNow() => _replayAt ?? TimeProvider.GetUtcNow() + _clockOffset;

    /// <summary>Requests that change state (everything but reads and chat) are written to the state file.</summary>
    private static bool IsJournaled(EmulatorRequest request) =>
        request.Method is not ("GET" or "HEAD") && request.Path != "/chat/completions";

    private void Journal(EmulatorRequest request)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["method"] = request.Method,
            ["target"] = request.RawPath + request.QueryString,
        };
        if (request.ContentType is { } contentType)
        {
            fields["contentType"] = contentType;
        }

        _journal!.Append(new JournalEntry(UtcNow(), "http", fields, request.Body));
    }

    /// <summary>Rebuilds the state by replaying every recorded change at the time it happened, with the same id seeds.</summary>
    private void Replay(EmulatorJournal journal)
    {
        _replaying = true;
        try
        {
            _clockOffset = journal.Replay(TimeProvider, at => _replayAt = at, (entry, random) =>
            {
                AdvanceAll();
                _random = random;
                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                if (entry.Fields.TryGetValue("contentType", out var contentType))
                {
                    headers["Content-Type"] = contentType;
                }

                _ = Route(new EmulatorRequest(entry.Field("method"), entry.Field("target"), headers, entry.Body));
            });
        }
        finally
        {
            _replaying = false;
        }

        _random = new Random(journal.DeriveSeed("live"));
    }

    private long NextSequence() => ++_sequence;

    private string RandomId(string prefix, int length, string alphabet = Alphanumerics, Random? random = null)
    {
        return string.Create(prefix.Length + length, (prefix, alphabet, _random: random ?? _random), static (span, state) =>
        {
            state.prefix.AsSpan().CopyTo(span);
            for (var i = state.prefix.Length; i < span.Length; i++)
            {
                span[i] = state.alphabet[state._random.Next(state.alphabet.Length)];
            }
        });
    }

    private static (List<T> Page, bool HasMore) Paginate<T>(IReadOnlyList<T> ordered, Func<T, string> id, string? after, int limit)
    {
        var start = 0;
        if (!string.IsNullOrEmpty(after))
        {
            start = ordered.Count;
            for (var i = 0; i < ordered.Count; i++)
            {
                if (id(ordered[i]) == after)
                {
                    start = i + 1;
                    break;
                }
            }
        }

        var page = ordered.Skip(start).Take(limit).ToList();
        return (page, start + page.Count < ordered.Count);
    }

    private static int Limit(EmulatorRequest request, int defaultValue, int max)
    {
        var text = request.QueryValue("limit");
        if (text is null)
        {
            return defaultValue;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var limit) || limit < 1 || limit > max)
        {
            throw OpenAIApiException.BadRequest($"Invalid 'limit': expected an integer between 1 and {max}, got '{text}'.", "limit", "integer_out_of_range");
        }

        return limit;
    }

    private static JsonDocument ParseJsonBody(EmulatorRequest request)
    {
        try
        {
            var document = JsonDocument.Parse(request.Body.Length == 0 ? "{}"u8.ToArray() : request.Body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw OpenAIApiException.BadRequest("The request body must be a JSON object.");
            }

            return document;
        }
        catch (JsonException)
        {
            throw OpenAIApiException.BadRequest("We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)");
        }
    }
}
