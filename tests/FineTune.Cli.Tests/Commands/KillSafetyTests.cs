using System.Diagnostics;
using System.Text;
using System.Text.Json;
using FineTune.Sdk;
using FineTune.Tests;

namespace FineTune.Cli.Tests;

/// <summary>
/// The CLI killed at random moments, 50 times, while <c>split</c>, <c>redact</c> and <c>manifest</c> write their
/// outputs: every output is then absent or whole (byte-identical to a complete run, or a parsing manifest), and nothing
/// but stray temporary files is left beside them.
/// </summary>
public sealed class KillSafetyTests : IDisposable
{
    private const int Kills = 50;

    private readonly string _dir = Directory.CreateTempSubdirectory("ft-kill-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Cli_KilledAtRandomMoments_LeavesEveryOutputAbsentOrWhole()
    {
        var input = Path.Combine(_dir, "input.jsonl");
        await WriteInputAsync(input);

        // Complete runs give the reference bytes and how long a run takes.
        string[] Split(string dir) => ["split", input, "--out-dir", dir, "--seed", "3"];
        string[] Redact(string dir) => ["redact", input, "--out", Path.Combine(dir, "redacted.jsonl")];
        string[] Manifest(string dir) => ["manifest", input, "--out", Path.Combine(dir, "manifest.json")];
        var commands = new (string Name, Func<string, string[]> Args, string[] Outputs)[]
        {
            ("split", Split, ["train.jsonl", "validation.jsonl", "holdout.jsonl"]),
            ("redact", Redact, ["redacted.jsonl"]),
            ("manifest", Manifest, ["manifest.json"]),
        };
        var reference = new Dictionary<string, byte[]>();
        var durations = new Dictionary<string, TimeSpan>();
        foreach (var (name, args, outputs) in commands)
        {
            var dir = Directory.CreateDirectory(Path.Combine(_dir, "ref-" + name)).FullName;
            var started = Stopwatch.StartNew();
            var (code, error) = await RunToEndAsync(args(dir));
            durations[name] = started.Elapsed;
            code.Should().Be(0, $"finetune {name} must succeed without a kill: {error}");
            foreach (var output in outputs)
            {
                reference[output] = await File.ReadAllBytesAsync(Path.Combine(dir, output));
            }
        }

        var random = new Random(5);
        var whole = 0;
        var absent = 0;
        for (var kill = 0; kill < Kills; kill++)
        {
            var (name, args, outputs) = commands[kill % commands.Length];
            var dir = Directory.CreateDirectory(Path.Combine(_dir, $"kill-{kill}")).FullName;
            await RunAndKillAsync(args(dir), TimeSpan.FromMilliseconds(random.NextDouble() * durations[name].TotalMilliseconds * 1.1));

            foreach (var output in outputs)
            {
                var path = Path.Combine(dir, output);
                if (!File.Exists(path))
                {
                    absent++;
                    continue;
                }

                whole++;
                var bytes = await File.ReadAllBytesAsync(path);
                if (output == "manifest.json")
                {
                    // The manifest records its creation time: whole means it parses and fingerprints the same file.
                    var manifest = DatasetManifest.FromJson(Encoding.UTF8.GetString(bytes));
                    manifest.Sha256.Should().Be(DatasetManifest.FromJson(Encoding.UTF8.GetString(reference[output])).Sha256, $"kill {kill}");
                }
                else
                {
                    bytes.Should().Equal(reference[output], $"kill {kill}: {output} exists, so it must be whole");
                }
            }

            Directory.GetFiles(dir).Select(Path.GetFileName)
                .Where(f => !outputs.Contains(f) && !(f!.StartsWith('.') && f.EndsWith(".tmp", StringComparison.Ordinal)))
                .Should().BeEmpty($"kill {kill}: only outputs and stray temporary files may be left");
        }

        // The kills hit both before and after the outputs were committed.
        whole.Should().BePositive();
        absent.Should().BePositive();
    }

    private static async Task WriteInputAsync(string path)
    {
        string[] intents = ["refund_request", "order_status", "damaged_item", "account_access", "billing_question"];
        string[] words = ["parcel", "invoice", "jacket", "password", "charge", "tracking", "refund", "screen", "login", "box"];
        var sb = new StringBuilder();
        for (var i = 0; i < 6000; i++)
        {
            var text = $"Ticket {i}: the {words[i % 10]} and the {words[(i / 10) % 10]} of order {(i * 7919) % 100000} went wrong, {words[(i / 100) % 10]} too; mail ann{i}@example.com";
            var row = new Dictionary<string, object>
            {
                ["messages"] = new object[]
                {
                    new Dictionary<string, string> { ["role"] = "system", ["content"] = "Classify the support ticket; answer with JSON." },
                    new Dictionary<string, string> { ["role"] = "user", ["content"] = text },
                    new Dictionary<string, string> { ["role"] = "assistant", ["content"] = $"{{\"intent\":\"{intents[i % intents.Length]}\"}}" },
                },
            };
            sb.Append(JsonSerializer.Serialize(row)).Append('\n');
        }

        await File.WriteAllTextAsync(path, sb.ToString());
    }

    private static ProcessStartInfo Start(string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(RepoPaths.Root, "src", "FineTune.Cli", "bin", Configuration, "net10.0", "finetune.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    private static async Task<(int Code, string Error)> RunToEndAsync(string[] args)
    {
        using var process = Process.Start(Start(args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        await stdout;
        return (process.ExitCode, await stderr);
    }

    private static async Task RunAndKillAsync(string[] args, TimeSpan delay)
    {
        using var process = Process.Start(Start(args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await Task.WhenAny(process.WaitForExitAsync(), Task.Delay(delay));
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        await stdout;
        await stderr;
    }

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif
}
