using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FineTune.Sdk.Testing;

/// <summary>
/// An offline, in-memory emulator of Amazon Bedrock model customization: the control plane (customization jobs, custom
/// models, provisioned throughput, custom model deployments), Bedrock Runtime (Converse and ConverseStream) and a
/// minimal path-style S3 (buckets, objects, multipart uploads), all on one loopback port through
/// <see cref="StartAsync"/> or in-process through <see cref="CreateHttpMessageHandler"/>. Every request must carry a
/// valid Signature Version 4 for the configured credentials. Training is simulated on the <see cref="TimeProvider"/>,
/// and models answer from the data they were "trained" on (docs/emulator.md).
/// </summary>
/// <remarks>Thread-safe: all state is guarded by one lock; requests may arrive concurrently from any thread.</remarks>
public sealed partial class BedrockEmulator : IAsyncDisposable, IDisposable
{
    private const string IdAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    private readonly object _gate = new();
    private Random _random;
    private readonly EmulatorJournal? _journal;
    private DateTimeOffset? _replayAt;
    private TimeSpan _clockOffset;
    private bool _replaying;
    private readonly IEmulatorResponseObserver? _observer;
    private readonly AnswerBook _answers = new();
    private readonly List<string> _requestLog = [];
    private readonly LoopbackHost _loopback = new();
    private long _sequence;
    private int _requestCount;

    /// <summary>Initializes a new instance of the <see cref="BedrockEmulator"/> class.</summary>
    /// <param name="options">The options; <see langword="null"/> for the defaults. Validated here.</param>
    /// <param name="timeProvider">The clock jobs run on; <see langword="null"/> for <see cref="TimeProvider.System"/>.
    /// Pass a <see cref="Microsoft.Extensions.Time.Testing.FakeTimeProvider"/> to step through every state.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="InvalidDataException"><see cref="BedrockEmulatorOptions.StatePath"/> names a file that is not a
    /// Bedrock emulator state file, or whose changes no longer apply; the message names the file and the JSON path.</exception>
    public BedrockEmulator(BedrockEmulatorOptions? options = null, TimeProvider? timeProvider = null)
    {
        Options = options ?? new BedrockEmulatorOptions();
        Options.Validate();
        TimeProvider = timeProvider ?? TimeProvider.System;
        _random = Options.RandomSeed is { } seed ? new Random(seed) : new Random();
        foreach (var bucket in Options.Buckets)
        {
            _buckets.TryAdd(bucket, new S3Bucket(bucket, TimeProvider.GetUtcNow()));
        }

        _observer = ObserverFactory?.Invoke();
        if (Options.StatePath is { } statePath)
        {
            _journal = EmulatorJournal.Open(statePath, "bedrock", Options.RandomSeed);
            Replay(_journal);
        }
    }

    /// <summary>Gets or sets a test hook: when set, each new emulator asks it for an observer that sees every response
    /// before it leaves and the emulator's disposal (this repository's tests validate responses against the Bedrock API models).</summary>
    internal static Func<IEmulatorResponseObserver>? ObserverFactory { get; set; }

    /// <summary>Gets the base address to use with the handler from <see cref="CreateHttpMessageHandler"/>.</summary>
    /// <value><c>http://bedrock-emulator.invalid</c>; any host works in-process (it is signed as sent).</value>
    public static Uri InProcessEndpoint { get; } = new("http://bedrock-emulator.invalid");

    /// <summary>Gets the options; fault settings may be changed between requests.</summary>
    public BedrockEmulatorOptions Options { get; }

    /// <summary>Gets the clock jobs run on.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Gets the loopback base address (<c>http://127.0.0.1:PORT</c>) once <see cref="StartAsync"/> ran, else <see langword="null"/>.</summary>
    public Uri? BaseAddress { get; private set; }

    /// <summary>Gets the number of requests received so far (including refused and faulted ones).</summary>
    public int RequestCount => Volatile.Read(ref _requestCount);

    /// <summary>Gets the number of model customization jobs created so far (including those whose create response was lost).</summary>
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

    /// <summary>Gets a snapshot of the requests received so far, oldest first, as <c>METHOD /path?query</c> as sent
    /// (at most the last 10,000), so a test can assert what a client sent.</summary>
    /// <returns>A copy of the log.</returns>
    public IReadOnlyList<string> GetRequestLog()
    {
        lock (_gate)
        {
            return [.. _requestLog];
        }
    }

    /// <summary>Creates a handler that serves requests in-process; use it with <see cref="InProcessEndpoint"/> (or any base address).</summary>
    /// <returns>A new handler; dispose it with the <see cref="HttpClient"/> that owns it.</returns>
    public HttpMessageHandler CreateHttpMessageHandler() => new EmulatorHttpMessageHandler(Handle);

    /// <summary>Starts serving HTTP/1.1 on 127.0.0.1: control plane, Runtime and S3 on the same port.</summary>
    /// <param name="port">The port; 0 picks a free one.</param>
    /// <param name="cancellationToken">A token to cancel the start.</param>
    /// <returns>The base address, <c>http://127.0.0.1:PORT</c>.</returns>
    /// <exception cref="InvalidOperationException">The server was already started.</exception>
    public Task<Uri> StartAsync(int port = 0, CancellationToken cancellationToken = default)
    {
        // An aws-chunked body is a little larger than the object it carries.
        BaseAddress = _loopback.Start(Handle, port, Options.MaxRequestBytes + (Options.MaxRequestBytes / 64) + (1024 * 1024), string.Empty, cancellationToken);
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
        Interlocked.Increment(ref _requestCount);
        var authorization = SigV4.ParseAuthorization(request.Headers.TryGetValue("Authorization", out var header) ? header : null);
        var s3 = authorization is not null ? authorization.Service == "s3" : !IsBedrockPath(request.RawPath);
        lock (_gate)
        {
            if (_requestLog.Count == 10_000)
            {
                _requestLog.RemoveAt(0);
            }

            _requestLog.Add(request.Method + " " + request.RawPath + request.QueryString);
            var delay = TimeSpan.Zero;
            EmulatorResponse response;
            try
            {
                if (Options.FaultPathContains is null || request.RawPath.Contains(Options.FaultPathContains, StringComparison.Ordinal))
                {
                    delay = Options.ResponseDelay;
                    InjectFault(s3);
                }

                Authenticate(request, authorization, s3);
                AdvanceAll();
                var journaled = _journal is not null && !s3 && IsJournaled(request);
                if (journaled)
                {
                    _random = new Random(_journal!.DeriveSeed("op:" + _journal.Entries.Count.ToString(CultureInfo.InvariantCulture)));
                }

                response = s3 ? RouteS3(request, authorization!) : RouteBedrock(request);
                if (journaled && (response.StatusCode is >= 200 and < 300 || response.DropConnection))
                {
                    Journal("http", new(StringComparer.Ordinal)
                    {
                        ["method"] = request.Method,
                        ["target"] = request.RawPath + request.QueryString,
                        ["contentType"] = request.ContentType ?? "application/json",
                    }, request.Body);
                }
            }
            catch (AwsApiException error)
            {
                response = s3 ? S3Error(error, request.Method == "HEAD") : JsonError(error);
            }

            if (!response.DropConnection)
            {
                var requestId = NewRequestId();
                if (s3)
                {
                    response.Headers.Add(new("x-amz-request-id", requestId[..16].ToUpperInvariant()));
                    response.Headers.Add(new("x-amz-id-2", Convert.ToBase64String(Encoding.ASCII.GetBytes(requestId))));
                }
                else
                {
                    response.Headers.Add(new("x-amzn-RequestId", requestId));
                }
            }

            response.Delay = delay;
            response.DelayClock = TimeProvider;
            _observer?.OnResponse(request, response);
            return response;
        }
    }

    private static bool IsBedrockPath(string rawPath)
    {
        var first = rawPath.TrimStart('/').Split('/')[0];
        return first is "model-customization-jobs" or "custom-models" or "provisioned-model-throughput" or "provisioned-model-throughputs"
            or "model-customization" or "model" or "foundation-models";
    }

    private void InjectFault(bool s3)
    {
        if (Options.ThrottleNextRequests > 0 || (Options.ThrottleRate > 0 && _random.NextDouble() < Options.ThrottleRate))
        {
            Options.ThrottleNextRequests = Math.Max(0, Options.ThrottleNextRequests - 1);
            throw s3
                ? new AwsApiException(503, "SlowDown", "Please reduce your request rate.")
                : new AwsApiException(429, "ThrottlingException", "Too many requests, please wait before trying again.");
        }

        if (Options.ServerErrorNextRequests > 0 || (Options.ServerErrorRate > 0 && _random.NextDouble() < Options.ServerErrorRate))
        {
            Options.ServerErrorNextRequests = Math.Max(0, Options.ServerErrorNextRequests - 1);
            var unavailable = Options.ServerErrorStatusCode == 503;
            throw (s3, unavailable) switch
            {
                (true, true) => new AwsApiException(503, "ServiceUnavailable", "Service is unable to handle request."),
                (true, false) => new AwsApiException(500, "InternalError", "We encountered an internal error. Please try again."),
                (false, true) => new AwsApiException(503, "ServiceUnavailableException", "The service is temporarily unavailable. Please try again."),
                _ => new AwsApiException(500, "InternalServerException", "An internal server error occurred. Retry your request."),
            };
        }
    }

    /// <summary>Strict SigV4 (bedrock.md §5.1 server recipe): the signature is recomputed from the request as received.</summary>
    private void Authenticate(EmulatorRequest request, SigV4Authorization? auth, bool s3)
    {
        if (auth is null)
        {
            throw s3
                ? new AwsApiException(403, "AccessDenied", "Access Denied")
                : new AwsApiException(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
        }

        if (!string.Equals(auth.AccessKeyId, Options.AccessKeyId, StringComparison.Ordinal))
        {
            throw s3
                ? new AwsApiException(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
                : new AwsApiException(403, "UnrecognizedClientException", "The security token included in the request is invalid.");
        }

        if (auth.Service is not ("bedrock" or "s3"))
        {
            throw SignatureError(s3, $"Credential should be scoped to correct service: 'bedrock'.");
        }

        if (auth.Region != Options.Region)
        {
            throw SignatureError(s3, $"Credential should be scoped to a valid region, not '{auth.Region}'.");
        }

        var amzDate = request.Headers.TryGetValue("x-amz-date", out var d) ? d : null;
        if (amzDate is null || !DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt)
            || amzDate[..8] != auth.Date)
        {
            throw SignatureError(s3, "Date must be in ISO-8601 'basic format' (yyyyMMdd'T'HHmmss'Z') in the x-amz-date header and match the credential scope.");
        }

        if (Options.MaxClockSkew is { } skew && (TimeProvider.GetUtcNow() - signedAt).Duration() > skew)
        {
            throw s3
                ? new AwsApiException(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
                : new AwsApiException(403, "InvalidSignatureException", $"Signature expired: {amzDate} is now earlier or later than the allowed window of {skew.TotalMinutes:0} min.");
        }

        if (!auth.SignedHeaders.Contains("host", StringComparer.Ordinal))
        {
            throw SignatureError(s3, "'Host' must be a 'SignedHeader' in the AWS Authorization.");
        }

        var token = request.Headers.TryGetValue("x-amz-security-token", out var t) ? t : null;
        if (Options.SessionToken is not null && !string.Equals(token, Options.SessionToken, StringComparison.Ordinal))
        {
            throw s3
                ? new AwsApiException(403, "InvalidToken", "The provided token is malformed or otherwise invalid.")
                : new AwsApiException(403, "UnrecognizedClientException", "The security token included in the request is invalid.");
        }

        var payloadHash = PayloadHash(request, s3);
        var canonicalHeaders = SigV4.CanonicalHeaders(request.Headers, auth.SignedHeaders) ?? throw SignatureError(s3, "A signed header is missing from the request.");
        var canonical = SigV4.CanonicalRequest(request.Method, SigV4.CanonicalUri(request.RawPath, s3), SigV4.CanonicalQuery(request.QueryString), canonicalHeaders, auth.SignedHeaders, payloadHash);
        var key = SigV4.SigningKey(Options.SecretAccessKey, auth.Date, auth.Region, auth.Service);
        var expected = SigV4.Sign(key, SigV4.StringToSign(amzDate, auth.Scope, canonical));
        if (!SigV4.SignaturesEqual(expected, auth.Signature))
        {
            throw SignatureError(s3, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
        }
    }

    private static string PayloadHash(EmulatorRequest request, bool s3)
    {
        var declared = request.Headers.TryGetValue("x-amz-content-sha256", out var h) ? h : null;
        var actual = SigV4.Sha256Hex(request.Body);
        if (declared is null)
        {
            if (s3)
            {
                throw new AwsApiException(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
            }

            return actual;
        }

        if (s3 && (declared == "UNSIGNED-PAYLOAD" || declared.StartsWith("STREAMING-", StringComparison.Ordinal)))
        {
            return declared;
        }

        if (!string.Equals(declared, actual, StringComparison.Ordinal))
        {
            throw s3
                ? new AwsApiException(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.")
                : SignatureError(false, "The provided 'x-amz-content-sha256' header does not match the request body.");
        }

        return actual;
    }

    private static AwsApiException SignatureError(bool s3, string message) =>
        s3 ? new AwsApiException(403, "SignatureDoesNotMatch", message) : new AwsApiException(403, "InvalidSignatureException", message);

    private static EmulatorResponse JsonError(AwsApiException error)
    {
        var ns = error.Code is "InvalidSignatureException" or "UnrecognizedClientException" or "MissingAuthenticationTokenException" or "SerializationException" or "UnknownOperationException"
            ? "com.amazon.coral.service"
            : "com.amazon.bedrock";
        var response = EmulatorResponse.Json(error.StatusCode, JsonBody.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("__type", ns + "#" + error.Code);
            w.WriteString("message", error.Message);
            w.WriteEndObject();
        }));
        response.Headers.Add(new("x-amzn-ErrorType", $"{error.Code}:http://internal.amazon.com/coral/{ns}/"));
        return response;
    }

    private static EmulatorResponse Json(int status, Action<Utf8JsonWriter> write) => EmulatorResponse.Json(status, JsonBody.Write(write));

    private long NextSequence() => ++_sequence;

    /// <summary>The emulator's time: the recorded time while replaying the state file, else the clock (moved forward to the
    /// state file's position when the clock is behind it, so a job keeps progressing from where the last process left it).</summary>
    private DateTimeOffset UtcNow() => _replayAt ?? TimeProvider.GetUtcNow() + _clockOffset;

    /// <summary>Control-plane requests that change state are written to the state file (S3 changes are written as
    /// operations, without their signatures); reads and Runtime calls are not.</summary>
    private static bool IsJournaled(EmulatorRequest request) =>
        request.Method is not ("GET" or "HEAD") && !request.RawPath.StartsWith("/model/", StringComparison.Ordinal);

    private void Journal(string op, Dictionary<string, string> fields, byte[] body)
    {
        if (_journal is not null && !_replaying)
        {
            _journal.Append(new JournalEntry(UtcNow(), op, fields, body));
        }
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
                ReplayEntry(entry);
            });
        }
        finally
        {
            _replaying = false;
        }

        _random = new Random(journal.DeriveSeed("live"));
    }

    private void ReplayEntry(JournalEntry entry)
    {
        switch (entry.Op)
        {
            case "http":
                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Content-Type"] = entry.Field("contentType") };
                _ = RouteBedrock(new EmulatorRequest(entry.Field("method"), entry.Field("target"), headers, entry.Body));
                break;
            case "s3-create-bucket":
                _buckets[entry.Field("bucket")] = new S3Bucket(entry.Field("bucket"), entry.At);
                break;
            case "s3-delete-bucket":
                _buckets.Remove(entry.Field("bucket"));
                break;
            case "s3-put":
                var metadata = entry.Fields.Where(f => f.Key.StartsWith("meta:", StringComparison.Ordinal))
                    .Select(f => new KeyValuePair<string, string>(f.Key["meta:".Length..], f.Value)).ToList();
                Store(Bucket(entry.Field("bucket")), entry.Field("key"), new S3Object(entry.Body, entry.Field("etag"), entry.Field("contentType"), entry.At, metadata));
                break;
            case "s3-delete":
                Bucket(entry.Field("bucket")).Objects.Remove(entry.Field("key"));
                break;
            default:
                throw new InvalidDataException($"Emulator state file {_journal!.Path}: unknown operation '{entry.Op}'.");
        }
    }

    private string RandomId(int length, Random? random = null)
    {
        return string.Create(length, random ?? _random, static (span, random) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = IdAlphabet[random.Next(IdAlphabet.Length)];
            }
        });
    }

    private string NewRequestId()
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        return new Guid(bytes).ToString();
    }

    private TimeSpan Scaled(TimeSpan duration) => TimeSpan.FromTicks((long)(duration.Ticks / Options.Speed));

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Splits the raw path on <c>/</c> and decodes each segment once, so an ARN sent as one segment stays one.</summary>
    private static string[] Segments(EmulatorRequest request) =>
        request.RawPath.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
}
