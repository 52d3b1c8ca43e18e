using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FineTune.Sdk;

/// <summary>JSON parsing and comparison shared by the JSON scorers.</summary>
internal static class JsonOutput
{
    /// <summary>Parses a model output as JSON; a single surrounding Markdown code fence is removed first.</summary>
    public static bool TryParse(string? text, out JsonElement element)
    {
        element = default;
        if (text is null)
        {
            return false;
        }

        var value = text.Trim();
        if (value.StartsWith("```", StringComparison.Ordinal) && value.EndsWith("```", StringComparison.Ordinal) && value.Length >= 6)
        {
            var firstLine = value.IndexOf('\n', StringComparison.Ordinal);
            value = firstLine < 0 ? value[3..^3] : value[(firstLine + 1)..^3];
        }

        if (!JsonSyntax.IsValid(value))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(value);
            element = document.RootElement.Clone();
            return !JsonUnicode.HasUndecodableText(element); // a lone-surrogate escape is not text: comparing it would throw
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            return false; // JsonSyntax and the parser disagree (a defect): treated as not JSON rather than thrown
        }
    }

    public static bool TryGetExpected(GoldenCase goldenCase, out JsonElement expected)
    {
        if (goldenCase.ExpectedJson is { } json)
        {
            expected = json;
            return true;
        }

        return TryParse(goldenCase.Expected, out expected);
    }

    /// <summary>Deep equality: objects ignore key order, arrays keep order, numbers compare by value.</summary>
    public static bool DeepEquals(JsonElement a, JsonElement b)
    {
        if (a.ValueKind != b.ValueKind)
        {
            return false;
        }

        switch (a.ValueKind)
        {
            case JsonValueKind.Object:
                var left = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (var p in a.EnumerateObject())
                {
                    left[p.Name] = p.Value;
                }

                var count = 0;
                foreach (var p in b.EnumerateObject())
                {
                    count++;
                    if (!left.TryGetValue(p.Name, out var other) || !DeepEquals(other, p.Value))
                    {
                        return false;
                    }
                }

                return count == left.Count;
            case JsonValueKind.Array:
                if (a.GetArrayLength() != b.GetArrayLength())
                {
                    return false;
                }

                using (var ea = a.EnumerateArray().GetEnumerator())
                using (var eb = b.EnumerateArray().GetEnumerator())
                {
                    while (ea.MoveNext() && eb.MoveNext())
                    {
                        if (!DeepEquals(ea.Current, eb.Current))
                        {
                            return false;
                        }
                    }
                }

                return true;
            case JsonValueKind.Number:
                return a.TryGetDecimal(out var da) && b.TryGetDecimal(out var db) ? da == db : a.GetDouble().Equals(b.GetDouble());
            case JsonValueKind.String:
                return string.Equals(a.GetString(), b.GetString(), StringComparison.Ordinal);
            default:
                return true;
        }
    }

    /// <summary>A canonical text of a leaf value, so equal numbers with different spellings compare equal.</summary>
    public static string Canonical(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number => element.TryGetDecimal(out var d) ? "n:" + d.ToString("G29", CultureInfo.InvariantCulture) : "n:" + element.GetDouble().ToString("R", CultureInfo.InvariantCulture),
        JsonValueKind.String => "s:" + element.GetString(),
        JsonValueKind.True => "b:true",
        JsonValueKind.False => "b:false",
        JsonValueKind.Null => "null",
        _ => "j:" + element.GetRawText(),
    };

    /// <summary>Flattens a JSON value to (path, canonical leaf) pairs; arrays index their items.</summary>
    public static void Flatten(JsonElement element, string path, List<string> into)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    Flatten(p.Value, path + "." + p.Name, into);
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Flatten(item, path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]", into);
                    i++;
                }

                break;
            default:
                into.Add(path + "=" + Canonical(element));
                break;
        }
    }
}

internal sealed class JsonEqualsScorer : IEvalScorer
{
    public string Name => "json";

    public ValueTask<EvalScore> ScoreAsync(GoldenCase goldenCase, string output, CancellationToken cancellationToken = default)
    {
        if (!JsonOutput.TryGetExpected(goldenCase, out var expected))
        {
            return ValueTask.FromResult(new EvalScore(Name, null, false) { ScorerError = "The expected answer is not JSON." });
        }

        if (!JsonOutput.TryParse(output, out var actual))
        {
            return ValueTask.FromResult(EvalScore.FromPass(Name, false, "The output is not JSON."));
        }

        return ValueTask.FromResult(EvalScore.FromPass(Name, JsonOutput.DeepEquals(expected, actual)));
    }
}

internal sealed class FieldF1Scorer(double passThreshold) : IEvalScorer
{
    public string Name => "fields";

    public ValueTask<EvalScore> ScoreAsync(GoldenCase goldenCase, string output, CancellationToken cancellationToken = default)
    {
        if (!JsonOutput.TryGetExpected(goldenCase, out var expected))
        {
            return ValueTask.FromResult(new EvalScore(Name, null, false) { ScorerError = "The expected answer is not JSON." });
        }

        var expectedFields = new List<string>();
        JsonOutput.Flatten(expected, "$", expectedFields);
        var predictedFields = new List<string>();
        if (JsonOutput.TryParse(output, out var actual))
        {
            JsonOutput.Flatten(actual, "$", predictedFields);
        }

        var (precision, recall, f1) = Compute(expectedFields, predictedFields);
        return ValueTask.FromResult(new EvalScore(Name, f1, f1 >= passThreshold)
        {
            Details = new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["precision"] = precision,
                ["recall"] = recall,
                ["f1"] = f1,
                ["expectedFields"] = expectedFields.Count,
                ["predictedFields"] = predictedFields.Count,
            },
        });
    }

    /// <summary>Multiset overlap of (path, value) pairs. Both empty is a perfect match.</summary>
    internal static (double Precision, double Recall, double F1) Compute(List<string> expected, List<string> predicted)
    {
        if (expected.Count == 0 && predicted.Count == 0)
        {
            return (1, 1, 1);
        }

        var remaining = expected.GroupBy(e => e, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var truePositives = 0;
        foreach (var field in predicted)
        {
            if (remaining.TryGetValue(field, out var left) && left > 0)
            {
                remaining[field] = left - 1;
                truePositives++;
            }
        }

        var precision = predicted.Count == 0 ? 0 : (double)truePositives / predicted.Count;
        var recall = expected.Count == 0 ? 0 : (double)truePositives / expected.Count;
        var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return (precision, recall, f1);
    }
}

internal sealed class JsonSchemaScorer(string name, JsonElement? schema) : IEvalScorer
{
    public string Name => name;

    public ValueTask<EvalScore> ScoreAsync(GoldenCase goldenCase, string output, CancellationToken cancellationToken = default)
    {
        if (!JsonOutput.TryParse(output, out var actual))
        {
            return ValueTask.FromResult(EvalScore.FromPass(Name, false, "The output is not JSON."));
        }

        if (schema is not { } s)
        {
            return ValueTask.FromResult(EvalScore.FromPass(Name, true));
        }

        var error = JsonSchemaSubset.Validate(s, actual, "$");
        return ValueTask.FromResult(EvalScore.FromPass(Name, error is null, error));
    }
}

/// <summary>
/// A documented subset of JSON Schema (draft 2020-12 keywords): type, properties, required, enum, const, items,
/// additionalProperties (boolean or schema), minimum, maximum, exclusiveMinimum, exclusiveMaximum, minLength,
/// maxLength, minItems, maxItems, pattern. Other keywords ($ref, allOf, anyOf, oneOf, formats...) are ignored.
/// </summary>
internal static class JsonSchemaSubset
{
    /// <summary>Validates; returns the first error (with its JSON path) or <see langword="null"/>.</summary>
    public static string? Validate(JsonElement schema, JsonElement value, string path)
    {
        if (schema.ValueKind == JsonValueKind.False)
        {
            return $"{path}: not allowed.";
        }

        if (schema.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (schema.TryGetProperty("type", out var type) && !MatchesType(type, value))
        {
            return $"{path}: expected type {type.GetRawText()}, got {Describe(value)}.";
        }

        if (schema.TryGetProperty("enum", out var allowed) && allowed.ValueKind == JsonValueKind.Array
            && !allowed.EnumerateArray().Any(a => JsonOutput.DeepEquals(a, value)))
        {
            return $"{path}: value not in enum.";
        }

        if (schema.TryGetProperty("const", out var constant) && !JsonOutput.DeepEquals(constant, value))
        {
            return $"{path}: value differs from const.";
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                return ValidateObject(schema, value, path);
            case JsonValueKind.Array:
                return ValidateArray(schema, value, path);
            case JsonValueKind.Number:
                return ValidateNumber(schema, value.GetDouble(), path);
            case JsonValueKind.String:
                return ValidateString(schema, value.GetString() ?? string.Empty, path);
            default:
                return null;
        }
    }

    private static string? ValidateObject(JsonElement schema, JsonElement value, string path)
    {
        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray())
            {
                if (name.ValueKind == JsonValueKind.String && !value.TryGetProperty(name.GetString()!, out _))
                {
                    return $"{path}: missing required property '{name.GetString()}'.";
                }
            }
        }

        schema.TryGetProperty("properties", out var properties);
        schema.TryGetProperty("additionalProperties", out var additional);
        foreach (var property in value.EnumerateObject())
        {
            var childPath = path + "." + property.Name;
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                if (Validate(propertySchema, property.Value, childPath) is { } error)
                {
                    return error;
                }
            }
            else if (additional.ValueKind == JsonValueKind.False)
            {
                return $"{childPath}: additional property not allowed.";
            }
            else if (additional.ValueKind == JsonValueKind.Object && Validate(additional, property.Value, childPath) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    private static string? ValidateArray(JsonElement schema, JsonElement value, string path)
    {
        var length = value.GetArrayLength();
        if (schema.TryGetProperty("minItems", out var min) && min.TryGetInt32(out var minItems) && length < minItems)
        {
            return $"{path}: fewer than {minItems} items.";
        }

        if (schema.TryGetProperty("maxItems", out var max) && max.TryGetInt32(out var maxItems) && length > maxItems)
        {
            return $"{path}: more than {maxItems} items.";
        }

        if (schema.TryGetProperty("items", out var items) && items.ValueKind is JsonValueKind.Object or JsonValueKind.False)
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                if (Validate(items, item, path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]") is { } error)
                {
                    return error;
                }

                i++;
            }
        }

        return null;
    }

    private static string? ValidateNumber(JsonElement schema, double number, string path)
    {
        if (schema.TryGetProperty("minimum", out var min) && min.ValueKind == JsonValueKind.Number && number < min.GetDouble())
        {
            return $"{path}: below minimum {min.GetRawText()}.";
        }

        if (schema.TryGetProperty("maximum", out var max) && max.ValueKind == JsonValueKind.Number && number > max.GetDouble())
        {
            return $"{path}: above maximum {max.GetRawText()}.";
        }

        if (schema.TryGetProperty("exclusiveMinimum", out var xmin) && xmin.ValueKind == JsonValueKind.Number && number <= xmin.GetDouble())
        {
            return $"{path}: not above exclusiveMinimum {xmin.GetRawText()}.";
        }

        if (schema.TryGetProperty("exclusiveMaximum", out var xmax) && xmax.ValueKind == JsonValueKind.Number && number >= xmax.GetDouble())
        {
            return $"{path}: not below exclusiveMaximum {xmax.GetRawText()}.";
        }

        return null;
    }

    private static string? ValidateString(JsonElement schema, string text, string path)
    {
        var length = text.EnumerateRunes().Count();
        if (schema.TryGetProperty("minLength", out var min) && min.TryGetInt32(out var minLength) && length < minLength)
        {
            return $"{path}: shorter than {minLength}.";
        }

        if (schema.TryGetProperty("maxLength", out var max) && max.TryGetInt32(out var maxLength) && length > maxLength)
        {
            return $"{path}: longer than {maxLength}.";
        }

        if (schema.TryGetProperty("pattern", out var pattern) && pattern.ValueKind == JsonValueKind.String
            && !Regex.IsMatch(text, pattern.GetString()!, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
        {
            return $"{path}: does not match pattern.";
        }

        return null;
    }

    private static bool MatchesType(JsonElement type, JsonElement value)
    {
        if (type.ValueKind == JsonValueKind.Array)
        {
            return type.EnumerateArray().Any(t => MatchesType(t, value));
        }

        return type.GetString() switch
        {
            "object" => value.ValueKind == JsonValueKind.Object,
            "array" => value.ValueKind == JsonValueKind.Array,
            "string" => value.ValueKind == JsonValueKind.String,
            "number" => value.ValueKind == JsonValueKind.Number,
            "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var d) && d == decimal.Truncate(d),
            "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
            "null" => value.ValueKind == JsonValueKind.Null,
            _ => true,
        };
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        _ => "null",
    };
}
