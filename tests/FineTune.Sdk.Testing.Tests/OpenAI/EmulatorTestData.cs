using System.Text;
using System.Text.Json;

namespace FineTune.Sdk.Testing.Tests;

/// <summary>Small datasets built in code, plus helpers to talk JSON to the emulator.</summary>
internal static class EmulatorTestData
{
    public static readonly string[] Labels = ["billing", "shipping", "returns", "technical", "account"];

    public static string Prompt(int i) => $"Ticket {i}: customer question number {i} about their order";

    public static string Label(int i) => Labels[i % Labels.Length];

    /// <summary>Chat-format rows: a user prompt and a JSON label answer.</summary>
    public static byte[] ChatJsonl(int rows, int start = 0)
    {
        var sb = new StringBuilder();
        for (var i = start; i < start + rows; i++)
        {
            var row = new
            {
                messages = new object[]
                {
                    new { role = "system", content = "Classify the support ticket. Answer with JSON." },
                    new { role = "user", content = Prompt(i) },
                    new { role = "assistant", content = $"{{\"label\":\"{Label(i)}\"}}" },
                },
            };
            sb.Append(JsonSerializer.Serialize(row)).Append('\n');
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Preference-format rows for DPO.</summary>
    public static byte[] PreferenceJsonl(int rows)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < rows; i++)
        {
            var row = new
            {
                input = new { messages = new object[] { new { role = "user", content = Prompt(i) } } },
                preferred_output = new object[] { new { role = "assistant", content = Label(i) } },
                non_preferred_output = new object[] { new { role = "assistant", content = "I am not sure." } },
            };
            sb.Append(JsonSerializer.Serialize(row)).Append('\n');
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }
}

/// <summary>A thin JSON client over an emulator, raw HTTP only (no OpenAI package).</summary>
internal sealed class RawOpenAIClient(HttpClient http) : IDisposable
{
    public HttpClient Http { get; } = http;

    public static RawOpenAIClient InProcess(OpenAIEmulator emulator) =>
        new(new HttpClient(emulator.CreateHttpMessageHandler()) { BaseAddress = new Uri(OpenAIEmulator.InProcessEndpoint + "/") });

    public async Task<JsonElement> UploadAsync(byte[] content, string fileName = "train.jsonl", string purpose = "fine-tune")
    {
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(content), "file", fileName);
        form.Add(new StringContent(purpose), "purpose");
        using var response = await Http.PostAsync("files", form);
        return await ReadAsync(response, 200);
    }

    public async Task<(int Status, JsonElement Body)> SendAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public async Task<JsonElement> GetAsync(string path)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, path);
        status.Should().Be(200, body.ToString());
        return body;
    }

    public async Task<JsonElement> PostAsync(string path, object? body = null)
    {
        var (status, json) = await SendAsync(HttpMethod.Post, path, body ?? new { });
        status.Should().Be(200, json.ToString());
        return json;
    }

    public async Task<string> CreateJobAsync(string trainingFile, object? extra = null, string model = "gpt-4o-mini-2024-07-18")
    {
        var body = new Dictionary<string, object?> { ["model"] = model, ["training_file"] = trainingFile };
        if (extra is not null)
        {
            foreach (var property in JsonSerializer.SerializeToElement(extra).EnumerateObject())
            {
                body[property.Name] = property.Value;
            }
        }

        var job = await PostAsync("fine_tuning/jobs", body);
        return job.GetProperty("id").GetString()!;
    }

    public void Dispose() => Http.Dispose();

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, int expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).Should().Be(expected, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
