using System.Reflection;
using FineTune.Cli.Tests.Scrubbing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace FineTune.Sdk.Gateway.Tests.Scrubbing;

/// <summary>
/// The audit of every <c>[LoggerMessage]</c> method of the SDK, its OpenAI adapter and its Bedrock adapter: each text
/// parameter is either a <see cref="ScrubbedText"/> (rendered through the one scrubber) or listed below as a text the
/// SDK makes itself. A new text parameter fails this test until it is classified; every scrubbed parameter is then
/// proven scrubbed by writing each event with secrets in all of them.
/// </summary>
public sealed class LogEventScrubbingTests
{
    /// <summary>The <see cref="string"/> parameters that never carry text from outside the SDK, and where each comes from.</summary>
    private static readonly Dictionary<string, string> SdkMadeTexts = new(StringComparer.Ordinal)
    {
        ["Log.DatasetValidated.format"] = "DatasetFormat value detected by the validator",
        ["Log.DatasetFormatDetected.format"] = "DatasetFormat value detected by the validator",
        ["Log.DatasetLineRejected.code"] = "finding code constant (DatasetFindingCodes)",
        ["Log.DatasetNotJsonLines.code"] = "finding code constant (DatasetFindingCodes)",
        ["Log.DatasetLinesLeftOut.tool"] = "tool name constant (\"redactor\", \"augmenter\")",
        ["Log.DatasetManifestBuilt.sha256"] = "SHA-256 hex the manifest builder computed",
        ["GatewayLog.RollbackFailed.exceptionType"] = "exception type name",
        ["GatewayLog.Dropped.worker"] = "worker name constant (\"shadow\", \"online evaluation\")",
        ["GatewayLog.Dropped.reason"] = "reason constant (\"queue full\", budget reasons of ShadowBudget)",
        ["GatewayLog.BackgroundCallFailed.worker"] = "worker name constant",
        ["GatewayLog.BackgroundCallFailed.exceptionType"] = "exception type name",
        ["RegistryLog.Committed.operation"] = "registry operation constant (register, promote, rollout, rollback, retire)",
        ["RegistryLog.CommitConflict.operation"] = "registry operation constant",
        ["BedrockLog.ModelOperation.operation"] = "Bedrock API operation name constant",
        ["JobsLog.RetryScheduled.operation"] = "operation key the SDK's pipeline sets",
        ["JobsLog.RetryScheduled.exceptionType"] = "exception type name",
        ["JobsLog.CallFailed.operation"] = "operation name constant of LoggingFineTuneProvider",
        ["JobsLog.CallFailed.exceptionType"] = "exception type name",
        ["JobsLog.JobStateChangeRequested.operation"] = "operation name constant of LoggingFineTuneProvider",
        ["JobsLog.CallCompleted.operation"] = "operation name constant of LoggingFineTuneProvider",
        ["JobsLog.ListCompleted.operation"] = "operation name constant of LoggingFineTuneProvider",
    };

    private static readonly Type[] ValueTypesWithoutText =
        [typeof(int), typeof(long), typeof(double), typeof(bool), typeof(TimeSpan)];

    [Fact]
    public void EveryLogMessageParameter_IsScrubbedTextOrAListedSdkMadeText()
    {
        var methods = LogMethods().ToList();
        methods.Should().HaveCountGreaterThan(40, "the audit must see the log classes of all three assemblies");
        var unclassified = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var method in methods)
        {
            foreach (var parameter in method.GetParameters().Skip(1))
            {
                var name = Name(method, parameter);
                var type = parameter.ParameterType;
                if (type == typeof(ScrubbedText) || type.IsEnum || ValueTypesWithoutText.Contains(type))
                {
                    continue;
                }

                if (type == typeof(string) && SdkMadeTexts.ContainsKey(name))
                {
                    seen.Add(name);
                    continue;
                }

                unclassified.Add($"{name} ({type.Name})");
            }
        }

        unclassified.Should().BeEmpty(
            "a log parameter that can carry text from outside the SDK (request values, provider or registry names, paths, URLs, "
            + "error texts) must be a ScrubbedText; one the SDK makes itself must be listed in SdkMadeTexts with its source; "
            + "an exception must not be logged at all (log its type name)");
        SdkMadeTexts.Keys.Except(seen).Should().BeEmpty("every listed parameter still exists (the table is the audit)");
    }

    [Fact]
    public void EveryLogEvent_SecretsInEveryScrubbedParameter_NoneReachesTheMessageOrTheState()
    {
        var logger = new FakeLogger();
        var written = 0;
        var withScrubbed = new HashSet<int>();
        foreach (var method in LogMethods())
        {
            if (method.GetParameters().Any(p => p.ParameterType == typeof(ScrubbedText)))
            {
                withScrubbed.Add(method.GetCustomAttribute<LoggerMessageAttribute>()!.EventId);
            }

            var arguments = new List<object?> { logger };
            foreach (var parameter in method.GetParameters().Skip(1))
            {
                var type = parameter.ParameterType;
                arguments.Add(
                    type == typeof(ScrubbedText) ? ScrubbedText.FromString(SecretLeaks.EchoingEverything)
                    : type == typeof(string) ? "sdk-text"
                    : type.IsEnum ? Enum.GetValues(type).GetValue(0)
                    : Activator.CreateInstance(type));
            }

            method.Invoke(null, [.. arguments]);
            written++;
        }

        logger.Collector.Count.Should().Be(written, "every event is enabled on a FakeLogger");
        withScrubbed.Should().HaveCountGreaterThan(30);
        logger.Collector.GetSnapshot().Where(r => withScrubbed.Contains(r.Id.Id)).Should().AllSatisfy(r =>
        {
            r.Message.Should().Contain(SecretScrubber.Redacted, "the secrets were written, scrubbed");
            r.StructuredState!.Should().Contain(p => p.Value != null && p.Value.Contains(SecretScrubber.Redacted), "the state holds the scrubbed text too");
        });
        SecretLeaks.AssertNone(logger.Collector);
    }

    [Fact]
    public void ScrubbedText_RendersScrubbedAndNullAsTheGeneratorDoes()
    {
        ScrubbedText.FromString("key " + SecretLeaks.OpenAIKey).ToString().Should().Be("key " + SecretScrubber.Redacted);
        ScrubbedText.FromString(null).ToString().Should().Be("(null)");
        ScrubbedText.FromString("ftjob-abc123").ToString().Should().Be("ftjob-abc123");
    }

    private static IEnumerable<MethodInfo> LogMethods() =>
        new[] { typeof(ModelRegistry).Assembly, typeof(FineTune.Sdk.OpenAI.AssemblyMarker).Assembly, typeof(FineTune.Sdk.Bedrock.AssemblyMarker).Assembly }
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(m => m.GetCustomAttribute<LoggerMessageAttribute>() is not null)
            .OrderBy(m => m.DeclaringType!.Name, StringComparer.Ordinal).ThenBy(m => m.Name, StringComparer.Ordinal);

    private static string Name(MethodInfo method, ParameterInfo parameter) => $"{method.DeclaringType!.Name}.{method.Name}.{parameter.Name}";
}
