using System.Net;
using System.Text;
using System.Text.Json;

namespace FineTune.Cli.Tests;

/// <summary><c>finetune emulate openai|bedrock --state FILE</c>: a second run serves what the first one created.</summary>
public sealed class JobsEmulateStateTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("emulate-state-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact(Timeout = 120_000)]
    public async Task EmulateOpenAI_State_SecondRunServesTheFirstRunsJob()
    {
        var state = Path.Combine(_folder, "openai-state.json");
        string jobId;
        await using (var first = await ServeAsync("openai", "--state", state, "--speed", "1000"))
        {
            using var form = new MultipartFormDataContent
            {
                { new ByteArrayContent(Encoding.UTF8.GetBytes(Rows(12))), "file", "train.jsonl" },
                { new StringContent("fine-tune"), "purpose" },
            };
            var file = await ReadAsync(await first.Http.PostAsync("files", form));
            var job = await ReadAsync(await first.Http.PostAsync("fine_tuning/jobs", new StringContent(
                JsonSerializer.Serialize(new { model = "gpt-4o-mini", training_file = file.GetProperty("id").GetString() }), Encoding.UTF8, "application/json")));
            jobId = job.GetProperty("id").GetString()!;
        }

        File.Exists(state).Should().BeTrue();
        await using var second = await ServeAsync("openai", "--state", state, "--speed", "1000");
        var again = await ReadAsync(await second.Http.GetAsync($"fine_tuning/jobs/{jobId}"));
        again.GetProperty("id").GetString().Should().Be(jobId);
        again.GetProperty("model").GetString().Should().Be("gpt-4o-mini-2024-07-18");
    }

    [Fact(Timeout = 60_000)]
    public async Task EmulateOpenAI_CorruptState_FailsWithTheFileNamedAndExitCode2()
    {
        var state = Path.Combine(_folder, "broken.json");
        await File.WriteAllTextAsync(state, "[]");
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await CliApp.RunAsync(["emulate", "openai", "--state", state], output, error);

        code.Should().Be(CliApp.UsageError);
        error.ToString().Trim().Should().Be($"error: Emulator state file {state}: $ must be a JSON object.");
        output.ToString().Should().BeEmpty();
    }

    private static string Rows(int count) => string.Concat(Enumerable.Range(0, count).Select(i =>
        JsonSerializer.Serialize(new { messages = new object[] { new { role = "user", content = $"question {i}" }, new { role = "assistant", content = $"answer {i}" } } }) + "\n"));

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<Served> ServeAsync(params string[] args)
    {
        var output = new StringWriter();
        var syncOutput = TextWriter.Synchronized(output);
        var stop = new CancellationTokenSource();
        var run = CliApp.RunAsync(["emulate", .. args, "--port", "0"], syncOutput, TextWriter.Synchronized(new StringWriter()), stop.Token);
        for (var i = 0; i < 400; i++)
        {
            string text;
            lock (syncOutput)
            {
                text = output.ToString();
            }

            if (text.IndexOf('\n', StringComparison.Ordinal) is var newline and >= 0)
            {
                var address = text[..newline].TrimEnd('\r')["Listening on ".Length..];
                return new Served(new HttpClient { BaseAddress = new Uri(address + "/") }, stop, run);
            }

            run.IsCompleted.Should().BeFalse("the emulator must keep serving");
            await Task.Delay(50);
        }

        throw new TimeoutException("The emulator did not print its listening line within 20 s.");
    }

    private sealed record Served(HttpClient Http, CancellationTokenSource Stop, Task<int> Run) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await Stop.CancelAsync();
            (await Run).Should().Be(CliApp.Success);
            Stop.Dispose();
        }
    }
}
