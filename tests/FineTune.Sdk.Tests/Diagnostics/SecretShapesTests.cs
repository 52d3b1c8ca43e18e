namespace FineTune.Sdk.Tests;

/// <summary>
/// The PII gate and the scrubber share one list of credential shapes (<see cref="SecretShapes"/>): every shape the
/// scrubber removes from a log or error text is a shape the gate finds in a training row, and the reverse.
/// </summary>
public sealed class SecretShapesTests
{
    public static TheoryData<string, string> Shapes()
    {
        var data = new TheoryData<string, string>();
        foreach (var (name, sample) in SecretShapes.Samples)
        {
            data.Add(name, sample);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EachShape_FoundByTheGateInARowAndRemovedByTheScrubber(string name, string sample)
    {
        var row = $"The integration uses {sample} for the calls.";
        var json = System.Text.Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(row)[1..^1]);

        var spans = PiiDetector.Detect(row, includeIpAddresses: false);
        var found = spans.Should().ContainSingle(s => s.Kind == PiiKind.ApiKey || s.Kind == PiiKind.BearerToken, name).Subject;
        PiiDetector.CannotMatch(json, includeIpAddresses: false).Should().BeFalse($"the gate's raw-bytes pre-check must not skip {name}");

        var scrubbed = SecretScrubber.Scrub(row);
        scrubbed.Should().Contain(SecretScrubber.Redacted, name);
        var secret = row.Substring(found.Start, found.Length);
        scrubbed.Should().NotContain(secret, $"the scrubber removes what the gate found ({name})");
        scrubbed.Should().Be(string.Concat(row.AsSpan(0, found.Start), SecretScrubber.Redacted, row.AsSpan(found.Start + found.Length)), "the scrubber removes exactly the span the gate found");
    }

    [Fact]
    public void TemporaryAwsKeyId_TheShapeTheGateDidNotKnow_IsFoundAndRedactedInADatasetRow()
    {
        const string Row = "aws configure set aws_access_key_id ASIAV3W9KD2JQ7TZ5MNC";

        PiiDetector.Detect(Row).Should().ContainSingle().Which.Should().Be(new PiiSpan(PiiKind.ApiKey, 36, 20));
    }

    [Fact]
    public void OrdinaryText_NeitherFoundNorScrubbed()
    {
        foreach (var text in new[] { "The bearer of this letter", "Bearer authentication is described in RFC 6750", "eyJ is how base64 JSON starts", "ASIAN markets", "task-1234567890abcdefghij" })
        {
            PiiDetector.Detect(text, includeIpAddresses: false).Should().BeEmpty(text);
            SecretScrubber.Scrub(text).Should().Be(text);
        }
    }
}
