using System.Text.RegularExpressions;
using FineTune.Tests;

namespace FineTune.Sdk.Tests;

/// <summary>Keeps docs/diagnostics.md in step with the code: every instrument, activity and log event id in src/ is documented.</summary>
public sealed partial class DiagnosticsDocumentationTests
{
    private static readonly Lazy<string> Doc = new(() => File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "diagnostics.md")));

    private static readonly Lazy<List<(string File, string Text)>> Sources = new(() =>
        Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Select(path => (Path.GetRelativePath(RepoPaths.Root, path), File.ReadAllText(path)))
            .ToList());

    [Fact]
    public void InstrumentNames_InSource_AreAllDocumented()
    {
        var names = InstrumentNames();

        names.Should().Contain(["finetune.dataset.rows", "finetune.job.duration", "finetune.eval.latency"], "the scan must find instruments, including one named through a constant");
        names.Should().OnlyContain(name => Doc.Value.Contains($"`{name}`", StringComparison.Ordinal), "every instrument created in src/ must be documented in docs/diagnostics.md");
    }

    [Fact]
    public void ActivityNames_InSource_AreAllDocumented()
    {
        var names = Sources.Value.SelectMany(s => StartActivity().Matches(s.Text)).Select(m => m.Groups[1].Value).Distinct().ToList();

        names.Should().Contain("finetune.dataset.validate");
        names.Should().OnlyContain(name => Doc.Value.Contains($"`{name}`", StringComparison.Ordinal), "every activity started in src/ must be documented in docs/diagnostics.md");
    }

    [Fact]
    public void LogEventIds_InSource_AreAllDocumentedWithTheirLevel()
    {
        var events = Sources.Value.SelectMany(s => LoggerMessage().Matches(s.Text))
            .Select(m => (Id: m.Groups["id1"].Success ? m.Groups["id1"].Value : m.Groups["id2"].Value, Level: m.Groups["level"].Value))
            .ToList();

        events.Should().HaveCountGreaterThan(20, "the scan must find the SDK's [LoggerMessage] declarations");
        events.Select(e => e.Id).Should().OnlyHaveUniqueItems("event ids are stable and unique across the SDK");
        events.Should().OnlyContain(e => Doc.Value.Contains($"| {e.Id} | {e.Level} |", StringComparison.Ordinal), "every log event id must be documented in docs/diagnostics.md with its level");
    }

    [Fact]
    public void TelemetryName_IsDocumented()
    {
        Doc.Value.Should().Contain($"**`{FineTuneTelemetry.Name}`**");
        FineTuneTelemetry.ActivitySource.Name.Should().Be("FineTune.Sdk");
        FineTuneTelemetry.Meter.Name.Should().Be("FineTune.Sdk");
    }

    private static List<string> InstrumentNames()
    {
        var constants = Sources.Value.SelectMany(s => StringConstant().Matches(s.Text))
            .GroupBy(m => m.Groups[1].Value)
            .ToDictionary(g => g.Key, g => g.Select(m => m.Groups[2].Value).Distinct().ToList());
        var names = new List<string>();
        foreach (var (file, text) in Sources.Value)
        {
            foreach (Match match in CreateInstrument().Matches(text))
            {
                if (match.Groups["literal"].Success)
                {
                    names.Add(match.Groups["literal"].Value);
                    continue;
                }

                var identifier = match.Groups["identifier"].Value.Split('.')[^1];
                constants.TryGetValue(identifier, out var values).Should().BeTrue($"{file} names an instrument through '{identifier}', which must be a const string in src/");
                values.Should().ContainSingle($"the constant '{identifier}' must be unambiguous");
                names.Add(values![0]);
            }
        }

        return names.Distinct().ToList();
    }

    [GeneratedRegex(@"\.Create(?:Counter|Histogram|UpDownCounter|Gauge|ObservableCounter|ObservableGauge|ObservableUpDownCounter)<[^>]+>\(\s*(?:""(?<literal>[^""]+)""|(?<identifier>[A-Za-z_][\w.]*))")]
    private static partial Regex CreateInstrument();

    [GeneratedRegex(@"const\s+string\s+(\w+)\s*=\s*""([^""]*)""")]
    private static partial Regex StringConstant();

    [GeneratedRegex(@"StartActivity\(\s*""([^""]+)""")]
    private static partial Regex StartActivity();

    [GeneratedRegex(@"\[LoggerMessage\((?:EventId\s*=\s*(?<id1>\d+)|(?<id2>\d+))[^\]]*?LogLevel\.(?<level>\w+)")]
    private static partial Regex LoggerMessage();
}
