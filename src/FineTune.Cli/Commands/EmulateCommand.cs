using System.CommandLine;
using System.Globalization;
using FineTune.Sdk.Testing;

namespace FineTune.Cli;

/// <summary>
/// <c>finetune emulate openai [--port N] [--speed X] [--state FILE]</c> and <c>finetune emulate bedrock [--port N]
/// [--speed X] [--state FILE] [--access-key K] [--secret-key S]</c>: serve an emulator on 127.0.0.1 until stopped; with
/// <c>--state</c> its files, jobs and clock are kept in FILE and picked up by the next run.
/// </summary>
internal static class EmulateCommand
{
    public static Command Create(CliContext context)
    {
        var port = new Option<int>("--port") { Description = "The loopback port; 0 (the default) picks a free one.", DefaultValueFactory = _ => 0 };
        var speed = new Option<double>("--speed") { Description = "How many times faster than the default pace training runs (1 = 10 s validation, 10 s queue, 1 s per step).", DefaultValueFactory = _ => 1 };
        var seed = new Option<int?>("--seed") { Description = "Seed for ids and generated values, for reproducible runs." };
        var state = new Option<FileInfo?>("--state") { Description = "Keep the emulator's state (files, jobs, events, models, clock) in this file: loaded at start when it exists, rewritten after every change, so the next run continues where this one stopped." };
        var apiKey = new Option<string?>("--api-key") { Description = "Require this bearer key (default: accept any key)." };
        port.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value is < 0 or > 65535)
            {
                result.AddError($"--port must be between 0 and 65535 (was {value}).");
            }
        });
        speed.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!(value > 0) || double.IsInfinity(value))
            {
                result.AddError($"--speed must be a number > 0 (was {value.ToString(CultureInfo.InvariantCulture)}).");
            }
        });

        var accessKey = new Option<string>("--access-key") { Description = "The access key id requests must be signed with.", DefaultValueFactory = _ => new BedrockEmulatorOptions().AccessKeyId };
        var secretKey = new Option<string>("--secret-key") { Description = "The secret access key signatures are verified against (default: the AWS documentation example key).", DefaultValueFactory = _ => new BedrockEmulatorOptions().SecretAccessKey };
        var region = new Option<string>("--region") { Description = "The region signatures must be scoped to.", DefaultValueFactory = _ => new BedrockEmulatorOptions().Region };
        var buckets = new Option<string[]>("--bucket") { Description = "Create this S3 bucket at start (repeatable).", AllowMultipleArgumentsPerToken = false };
        var bedrock = new Command("bedrock", "Serve an Amazon Bedrock model-customization emulator (control plane, Runtime Converse/ConverseStream and a path-style S3) on one 127.0.0.1 port. Every request must be SigV4-signed with the given credentials. A test double: no account, no cost, simulated training.")
        {
            port, speed, seed, state, accessKey, secretKey, region, buckets,
        };
        bedrock.SetAction(async (parseResult, cancellationToken) =>
        {
            var options = new BedrockEmulatorOptions
            {
                Speed = parseResult.GetValue(speed),
                RandomSeed = parseResult.GetValue(seed),
                AccessKeyId = parseResult.GetValue(accessKey)!,
                SecretAccessKey = parseResult.GetValue(secretKey)!,
                Region = parseResult.GetValue(region)!,
                StatePath = parseResult.GetValue(state)?.FullName,
            };
            foreach (var bucket in parseResult.GetValue(buckets) ?? [])
            {
                options.Buckets.Add(bucket);
            }

            BedrockEmulator emulator;
            try
            {
                emulator = new BedrockEmulator(options);
            }
            catch (ArgumentException ex)
            {
                await context.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                return CliApp.UsageError;
            }
            catch (InvalidDataException ex)
            {
                await context.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                return CliApp.UsageError;
            }

            await using var disposeEmulator = emulator.ConfigureAwait(false);
            return await ServeAsync(context, parseResult.GetValue(port), emulator.StartAsync, cancellationToken).ConfigureAwait(false);
        });

        var openai = new Command("openai", "Serve an OpenAI-compatible fine-tuning emulator (files, uploads, jobs, events, checkpoints, chat, models) on 127.0.0.1. A test double: no key, no cost, simulated training.")
        {
            port, speed, seed, state, apiKey,
        };
        openai.SetAction(async (parseResult, cancellationToken) =>
        {
            var options = new OpenAIEmulatorOptions
            {
                Speed = parseResult.GetValue(speed),
                RandomSeed = parseResult.GetValue(seed),
                ApiKey = parseResult.GetValue(apiKey),
                StatePath = parseResult.GetValue(state)?.FullName,
            };
            OpenAIEmulator emulator;
            try
            {
                emulator = new OpenAIEmulator(options);
            }
            catch (InvalidDataException ex)
            {
                await context.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                return CliApp.UsageError;
            }

            await using var disposeEmulator = emulator.ConfigureAwait(false);
            return await ServeAsync(context, parseResult.GetValue(port), emulator.StartAsync, cancellationToken).ConfigureAwait(false);
        });

        return new Command("emulate", "Run a local emulator of a provider's fine-tuning API.") { openai, bedrock };
    }

    /// <summary>Starts a server, prints <c>Listening on ADDRESS</c> and serves until Ctrl+C / SIGTERM (exit code 0).</summary>
    private static async Task<int> ServeAsync(CliContext context, int port, Func<int, CancellationToken, Task<Uri>> start, CancellationToken cancellationToken)
    {
        Uri address;
        try
        {
            address = await start(port, cancellationToken).ConfigureAwait(false);
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            await context.Error.WriteLineAsync($"error: cannot listen on 127.0.0.1:{port}: {ex.Message}").ConfigureAwait(false);
            return CliApp.UsageError;
        }

        // Ctrl+C and SIGTERM stop the server gracefully (exit code 0) instead of killing the process.
        using var stop = new StopSignals(cancellationToken);

        await context.Output.WriteLineAsync($"Listening on {address.ToString().TrimEnd('/')}").ConfigureAwait(false);
        await context.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        return CliApp.Success;
    }
}
