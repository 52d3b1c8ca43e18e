using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Sdk.Testing;
using Json.Schema;

namespace FineTune.Tests;

/// <summary>
/// Validates every JSON response an <see cref="OpenAIEmulator"/> gives against the response schema of its operation in
/// OpenAI's OpenAPI document (errors against the document's <c>ErrorResponse</c>, streamed chat chunks against
/// <c>CreateChatCompletionStreamResponse</c>), after the tolerances in <see cref="OpenApiTolerances"/>. Installed for
/// every emulator a test assembly creates (module initializer); violations are recorded and thrown when the emulator is
/// disposed, so the test that drove it fails.
/// </summary>
internal sealed class OpenApiResponseValidator : IEmulatorResponseObserver
{
    private readonly List<string> _violations = [];
    private int _checked;
    private int _reported;

    /// <summary>Gets the number of JSON documents validated so far.</summary>
    public int Checked => Volatile.Read(ref _checked);

    /// <summary>Gets the most recently created validator on this async flow (for tests that check the checker).</summary>
    public static OpenApiResponseValidator? Last => LastCreated.Value;

    private static AsyncLocal<OpenApiResponseValidator?> LastCreated { get; } = new();

    /// <summary>Gets a copy of the violations seen so far.</summary>
    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (_violations)
            {
                return [.. _violations];
            }
        }
    }

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "A test assembly installs its oracle before any test runs.")]
    internal static void Install() => OpenAIEmulator.ObserverFactory = () =>
    {
        var validator = new OpenApiResponseValidator();
        LastCreated.Value = validator;
        return validator;
    };

    /// <summary>Validates one response; returns the violations (empty when valid or not JSON).</summary>
    public static IReadOnlyList<string> Validate(string method, string path, int status, string contentType, byte[] body)
    {
        if (status == 0 || body.Length == 0)
        {
            return [];
        }

        var where = $"{method} {path} → {status}";
        if (contentType.StartsWith("text/event-stream", StringComparison.Ordinal))
        {
            var violations = new List<string>();
            foreach (var line in Encoding.UTF8.GetString(body).Split('\n'))
            {
                if (line.StartsWith("data: {", StringComparison.Ordinal))
                {
                    violations.AddRange(ValidateJson(where + " (stream chunk)", "CreateChatCompletionStreamResponse", line["data: ".Length..]));
                }
            }

            return violations;
        }

        if (!contentType.StartsWith("application/json", StringComparison.Ordinal))
        {
            return [];
        }

        string? component;
        if (status >= 400)
        {
            component = "ErrorResponse";
        }
        else
        {
            var operation = OpenApiDocument.Default.Find(method, path);
            if (operation is null)
            {
                return [$"{where}: no operation in OpenAI's OpenAPI document serves this path"];
            }

            component = operation.ResponseComponent;
            if (component is null)
            {
                return [$"{where}: the document's operation {operation.Method} {operation.Template} has no JSON response, the emulator sent JSON"];
            }
        }

        return ValidateJson(where, component, Encoding.UTF8.GetString(body));
    }

    public void OnResponse(EmulatorRequest request, EmulatorResponse response)
    {
        if (response.DropConnection)
        {
            return;
        }

        var found = Validate(request.Method, request.Path, response.StatusCode, response.ContentType, response.Body);
        Interlocked.Increment(ref _checked);
        if (found.Count > 0)
        {
            lock (_violations)
            {
                _violations.AddRange(found);
            }
        }
    }

    public void OnDisposed()
    {
        var violations = Violations;
        if (violations.Count > 0 && Interlocked.Exchange(ref _reported, 1) == 0)
        {
            throw new InvalidOperationException(
                $"The OpenAI emulator gave {violations.Count} response(s) that OpenAI's OpenAPI document rejects (tolerances: tests/Shared/OpenApi/OpenApiTolerances.cs):"
                + Environment.NewLine + string.Join(Environment.NewLine, violations.Distinct().Take(20)));
        }
    }

    private static List<string> ValidateJson(string where, string component, string json)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException error)
        {
            return [$"{where}: the body is not JSON ({error.Message})"];
        }

        OpenApiTolerances.Apply(node);
        using var document = JsonDocument.Parse(node?.ToJsonString() ?? "null");
        var result = OpenApiDocument.Default.Schema(component).Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.Hierarchical });
        if (result.IsValid)
        {
            return [];
        }

        // Only failing nodes are walked, so the branches an anyOf rejected on its way to a match are not reported.
        var messages = new List<string>();
        Collect(result);
        void Collect(EvaluationResults node)
        {
            if (node.IsValid)
            {
                return;
            }

            foreach (var (keyword, message) in node.Errors ?? new Dictionary<string, string>())
            {
                messages.Add($"{where}: {component} at '{node.InstanceLocation}' ({keyword} via {node.EvaluationPath}): {message}");
            }

            foreach (var detail in node.Details ?? [])
            {
                Collect(detail);
            }
        }

        return messages.Count > 0 ? messages : [$"{where}: {component}: invalid"];
    }
}
