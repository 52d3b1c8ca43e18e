using System.Text.Json;

namespace FineTune.Sdk.Testing;

/// <content>Fine-tuning jobs: parsing and validating the create-job request body (model, metadata, integrations, method, hyperparameters).</content>
public sealed partial class OpenAIEmulator
{
    private static string? OptionalString(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw OpenAIApiException.BadRequest($"Invalid type for '{name}': expected a string.", name, "invalid_type");
    }

    private static Dictionary<string, string>? ParseMetadata(JsonElement root)
    {
        if (!root.TryGetProperty("metadata", out var metadata) || metadata.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (metadata.ValueKind != JsonValueKind.Object)
        {
            throw OpenAIApiException.BadRequest("Invalid type for 'metadata': expected an object.", "metadata", "invalid_type");
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in metadata.EnumerateObject())
        {
            if (pair.Value.ValueKind != JsonValueKind.String)
            {
                throw OpenAIApiException.BadRequest($"Invalid type for 'metadata.{pair.Name}': expected a string.", "metadata", "invalid_type");
            }

            var value = pair.Value.GetString()!;
            if (pair.Name.Length > 64 || value.Length > 512)
            {
                throw OpenAIApiException.BadRequest("Invalid 'metadata': keys are at most 64 characters and values at most 512 characters.", "metadata");
            }

            result[pair.Name] = value;
        }

        if (result.Count > 16)
        {
            throw OpenAIApiException.BadRequest($"Invalid 'metadata': at most 16 key-value pairs are allowed (got {result.Count}).", "metadata");
        }

        return result;
    }

    private static List<string> ParseIntegrations(JsonElement root)
    {
        var result = new List<string>();
        if (!root.TryGetProperty("integrations", out var integrations) || integrations.ValueKind == JsonValueKind.Null)
        {
            return result;
        }

        if (integrations.ValueKind != JsonValueKind.Array)
        {
            throw OpenAIApiException.BadRequest("Invalid type for 'integrations': expected an array.", "integrations", "invalid_type");
        }

        foreach (var integration in integrations.EnumerateArray())
        {
            if (integration.ValueKind != JsonValueKind.Object || !integration.TryGetProperty("type", out var type) || type.GetString() != "wandb"
                || !integration.TryGetProperty("wandb", out var wandb) || !wandb.TryGetProperty("project", out _))
            {
                throw OpenAIApiException.BadRequest("Invalid 'integrations': each item must be {\"type\":\"wandb\",\"wandb\":{\"project\":...}}.", "integrations");
            }

            result.Add(integration.GetRawText());
        }

        if (result.Count > 5)
        {
            throw OpenAIApiException.BadRequest("Invalid 'integrations': at most 5 integrations are allowed.", "integrations");
        }

        return result;
    }

    private static (string Type, Dictionary<string, HyperValue> Hyper, string? Grader) ParseMethod(JsonElement root)
    {
        var hyper = new Dictionary<string, HyperValue>(StringComparer.Ordinal);
        if (!root.TryGetProperty("method", out var method) || method.ValueKind == JsonValueKind.Null)
        {
            if (root.TryGetProperty("hyperparameters", out var legacy) && legacy.ValueKind == JsonValueKind.Object)
            {
                ParseHyperparameters(legacy, "supervised", "hyperparameters", hyper);
            }

            return ("supervised", hyper, null);
        }

        if (method.ValueKind != JsonValueKind.Object || !method.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
        {
            throw OpenAIApiException.BadRequest("Invalid 'method': expected {\"type\": \"supervised\" | \"dpo\" | \"reinforcement\", ...}.", "method");
        }

        var type = typeElement.GetString()!;
        if (type is not ("supervised" or "dpo" or "reinforcement"))
        {
            throw OpenAIApiException.BadRequest($"Invalid 'method.type': '{type}' is not one of ['supervised', 'dpo', 'reinforcement'].", "method.type");
        }

        string? grader = null;
        foreach (var property in method.EnumerateObject())
        {
            if (property.Name is "type" || property.NameEquals(type))
            {
                continue;
            }

            throw OpenAIApiException.BadRequest($"method.{property.Name}: extra inputs are not permitted", "method." + property.Name);
        }

        if (method.TryGetProperty(type, out var body) && body.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in body.EnumerateObject())
            {
                if (property.Name == "hyperparameters" && property.Value.ValueKind == JsonValueKind.Object)
                {
                    ParseHyperparameters(property.Value, type, $"method.{type}.hyperparameters", hyper);
                }
                else if (property.Name == "grader" && type == "reinforcement")
                {
                    grader = property.Value.GetRawText();
                }
                else if (property.Name != "hyperparameters")
                {
                    throw OpenAIApiException.BadRequest($"method.{type}.{property.Name}: extra inputs are not permitted", $"method.{type}.{property.Name}");
                }
            }
        }

        return (type, hyper, grader);
    }

    private static void ParseHyperparameters(JsonElement element, string type, string path, Dictionary<string, HyperValue> result)
    {
        foreach (var property in element.EnumerateObject())
        {
            var name = property.Name;
            var param = path + "." + name;
            var value = property.Value;
            var allowed = name is "n_epochs" or "batch_size" or "learning_rate_multiplier"
                || (type == "dpo" && name == "beta")
                || (type == "reinforcement" && name is "reasoning_effort" or "compute_multiplier" or "eval_interval" or "eval_samples");
            if (!allowed)
            {
                throw OpenAIApiException.BadRequest($"{name}: extra inputs are not permitted", param);
            }

            if (value.ValueKind == JsonValueKind.String && value.GetString() == "auto")
            {
                result[name] = HyperValue.Auto;
                continue;
            }

            if (name == "reasoning_effort")
            {
                var effort = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
                if (effort is not ("default" or "low" or "medium" or "high"))
                {
                    throw OpenAIApiException.BadRequest("Invalid 'reasoning_effort': expected 'default', 'low', 'medium' or 'high'.", param);
                }

                continue;
            }

            if (value.ValueKind != JsonValueKind.Number)
            {
                throw OpenAIApiException.BadRequest($"Invalid type for '{param}': expected \"auto\" or a number.", param, "invalid_type");
            }

            var number = value.GetDouble();
            var isInteger = value.TryGetInt32(out var integer);
            var (ok, rule) = name switch
            {
                "n_epochs" => (isInteger && integer is >= 1 and <= 50, "an integer between 1 and 50"),
                "batch_size" => (isInteger && integer is >= 1 and <= 256, "an integer between 1 and 256"),
                "learning_rate_multiplier" => (number > 0, "a number greater than 0"),
                "beta" => (number is > 0 and <= 2, "a number greater than 0 and at most 2"),
                "compute_multiplier" => (number is >= 0.00001 and <= 10, "a number between 0.00001 and 10"),
                _ => (isInteger && integer >= 1, "an integer of at least 1"),
            };
            if (!ok)
            {
                throw OpenAIApiException.BadRequest($"Invalid '{param}': expected {rule}, got {value.GetRawText()}.", param, "invalid_value");
            }

            result[name] = isInteger && name is not ("learning_rate_multiplier" or "beta" or "compute_multiplier") ? HyperValue.Int(integer) : HyperValue.Number(number);
        }
    }
}
