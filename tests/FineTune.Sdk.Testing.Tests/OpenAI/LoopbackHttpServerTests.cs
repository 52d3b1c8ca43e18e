using Microsoft.Extensions.Time.Testing;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace FineTune.Sdk.Testing.Tests;

public sealed class LoopbackHttpServerTests : IAsyncLifetime, IDisposable
{
    private OpenAIEmulator _emulator = null!;
    private Uri _baseAddress = null!;

    public async Task InitializeAsync()
    {
        _emulator = new OpenAIEmulator(new OpenAIEmulatorOptions { RandomSeed = 3 }, new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        _baseAddress = await _emulator.StartAsync();
    }

    public async Task DisposeAsync() => await _emulator.DisposeAsync();

    public void Dispose() => _emulator?.Dispose();

    [Fact]
    public void StartAsync_PortZero_ListensOnLoopbackWithV1BaseAddress()
    {
        _baseAddress.ToString().Should().MatchRegex(@"^http://127\.0\.0\.1:\d+/v1$");
        _emulator.BaseAddress.Should().Be(_baseAddress);
    }

    [Fact(Timeout = 60_000)]
    public async Task StartAsync_Twice_Throws()
    {
        var act = () => _emulator.StartAsync();
        await act.Should().ThrowAsync<InvalidOperationException>();
    }

    [Fact(Timeout = 60_000)]
    public async Task KeepAlive_SequentialRequests_ReuseOneConnection()
    {
        using var http = new HttpClient();
        for (var i = 0; i < 5; i++)
        {
            (await http.GetAsync(_baseAddress + "/models")).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        _emulator.AcceptedConnections.Should().Be(1);
    }

    [Fact(Timeout = 60_000)]
    public async Task Upload_ChunkedMultipartBodyWithExpectContinue_IsStoredByteForByte()
    {
        var content = EmulatorTestData.ChatJsonl(40);
        using var http = new HttpClient();
        using var form = new MultipartFormDataContent();
        var file = new StreamContent(new NonSeekableStream(content));
        form.Add(file, "file", "train.jsonl");
        form.Add(new StringContent("fine-tune"), "purpose");
        using var request = new HttpRequestMessage(HttpMethod.Post, _baseAddress + "/files") { Content = form };
        request.Headers.TransferEncodingChunked = true;
        request.Headers.ExpectContinue = true;

        using var response = await http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
        (await http.GetByteArrayAsync($"{_baseAddress}/files/{id}/content")).Should().Equal(content);
    }

    [Fact(Timeout = 60_000)]
    public async Task Upload_Utf8FileNameStar_IsDecoded()
    {
        using var http = new HttpClient();
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(EmulatorTestData.ChatJsonl(10));
        file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "file", FileNameStar = "données.jsonl" };
        form.Add(file);
        form.Add(new StringContent("fine-tune"), "purpose");

        using var response = await http.PostAsync(_baseAddress + "/files", form);

        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("filename").GetString().Should().Be("données.jsonl");
    }

    [Fact(Timeout = 60_000)]
    public async Task DropConnection_OverHttp_ClientSeesATransportFailure()
    {
        // SocketsHttpHandler transparently retries a request whose connection closed before any response byte
        // (measured: 3 retries), so drop more requests than it retries.
        _emulator.Options.DropConnectionNextRequests = 100;
        using var http = new HttpClient();

        var act = () => http.GetAsync(_baseAddress + "/models");

        await act.Should().ThrowAsync<HttpRequestException>();
        _emulator.Options.DropConnectionNextRequests = 0;
        (await http.GetAsync(_baseAddress + "/models")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact(Timeout = 60_000)]
    public async Task SocketsHttpHandler_DroppedBeforeAnyByte_RetriesTransparently()
    {
        _emulator.Options.DropConnectionNextRequests = 2;
        using var http = new HttpClient();

        using var response = await http.GetAsync(_baseAddress + "/models");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        _emulator.RequestCount.Should().Be(3, "the handler re-sent the request twice on new connections");
    }

    [Fact(Timeout = 60_000)]
    public async Task LoseJobCreateResponse_OverHttp_ClientFailsAndExactlyOneJobExists()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_baseAddress + "/") };
        using var raw = new RawOpenAIClient(http);
        var file = (await raw.UploadAsync(EmulatorTestData.ChatJsonl(12))).GetProperty("id").GetString();
        _emulator.Options.LoseJobCreateResponses = 1;

        var act = () => raw.SendAsync(HttpMethod.Post, "fine_tuning/jobs", new { model = "gpt-4o-mini", training_file = file });

        await act.Should().ThrowAsync<HttpRequestException>();
        _emulator.JobCount.Should().Be(1, "the answer was lost after the job was created, and a partial answer cannot be retried transparently");
    }

    [Fact(Timeout = 60_000)]
    public async Task ResponseDelay_LongerThanClientTimeout_ClientTimesOut()
    {
        _emulator.Options.ResponseDelay = TimeSpan.FromSeconds(30);
        using var http = new HttpClient { Timeout = TimeSpan.FromMilliseconds(200) };

        var act = () => http.GetAsync(_baseAddress + "/models");

        await act.Should().ThrowAsync<TaskCanceledException>();
    }

    [Fact(Timeout = 60_000)]
    public async Task RawSocket_Http10WithoutKeepAlive_GetsResponseThenClose()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _baseAddress.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /v1/models/gpt-4o-mini HTTP/1.0\r\nHost: x\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.UTF8);

        var text = await reader.ReadToEndAsync();

        text.Should().StartWith("HTTP/1.1 200 OK\r\n").And.Contain("Connection: close").And.EndWith("\"owned_by\":\"system\"}");
    }

    [Fact(Timeout = 60_000)]
    public async Task RateLimit_OverHttp_SendsRetryAfterHeaders()
    {
        _emulator.Options.RateLimitNextRequests = 1;
        _emulator.Options.RetryAfter = TimeSpan.FromMilliseconds(1500);
        using var http = new HttpClient();

        using var response = await http.GetAsync(_baseAddress + "/models");

        response.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        response.Headers.GetValues("Retry-After").Should().Equal("2");
        response.Headers.GetValues("retry-after-ms").Should().Equal("1500");
    }

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
