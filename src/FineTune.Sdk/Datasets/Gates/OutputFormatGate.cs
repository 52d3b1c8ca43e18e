using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FineTune.Sdk;

/// <summary>FT1140: an assistant answer that is not a JSON object or array when most answers are.</summary>
internal sealed class OutputFormatGate(OutputFormatGateOptions options) : IDatasetGate
{
    public const string Code = "FT1140";
    private const int MaxTracked = 10_000;

    private readonly List<(long Line, string Path)> _nonJson = [];
    private long _answers;
    private long _json;

    public void Observe(DatasetRow row, FindingCollector findings)
    {
        // Only text answers count: a tool-call answer is JSON by construction and says nothing about the format.
        if (string.IsNullOrWhiteSpace(row.AssistantText) || !row.AssistantPath.EndsWith(".content", StringComparison.Ordinal))
        {
            return;
        }

        _answers++;
        if (IsJsonObjectOrArray(row.AssistantText))
        {
            _json++;
        }
        else if (_nonJson.Count < MaxTracked)
        {
            _nonJson.Add((row.Line, row.AssistantPath));
        }
    }

    public void Complete(FindingCollector findings)
    {
        if (_answers == 0 || _json == _answers)
        {
            return;
        }

        var share = (double)_json / _answers;
        if (share < options.MinJsonShare)
        {
            return;
        }

        foreach (var (line, path) in _nonJson)
        {
            findings.Add(Code, FindingSeverity.Warning, line, path, string.Create(CultureInfo.InvariantCulture,
                $"Assistant answer is not valid JSON while {share * 100:0.0}% of answers ({_json} of {_answers}) are."));
        }
    }

    internal static bool IsJsonObjectOrArray(string text)
    {
        var span = text.AsSpan().Trim();
        if (span.Length < 2 || (span[0] != '{' && span[0] != '['))
        {
            return false;
        }

        var byteCount = Encoding.UTF8.GetByteCount(span);
        var buffer = ArrayPool<byte>.Shared.Rent(byteCount);
        try
        {
            var written = Encoding.UTF8.GetBytes(span, buffer);
            var reader = new Utf8JsonReader(buffer.AsSpan(0, written), new JsonReaderOptions { MaxDepth = 256 });
            while (reader.Read())
            {
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true); // it held a row's text
        }
    }
}
