using System.Text.Json;
using FineTune.Tests;

namespace FineTune.Sdk.Tests;

public sealed class ChatTokenAccountingTests
{
    // The example conversation of OpenAI's cookbook "How to count tokens with tiktoken"; the notebook prints 129
    // prompt tokens for gpt-3.5-turbo/gpt-4 (cl100k_base) and 124 for gpt-4o/gpt-4o-mini (o200k_base), both from
    // num_tokens_from_messages and from the API's usage.prompt_tokens.
    private const string CookbookExample = """
        {"messages": [
          {"role": "system", "content": "You are a helpful, pattern-following assistant that translates corporate jargon into plain English."},
          {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
          {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
          {"role": "system", "name": "example_user", "content": "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage."},
          {"role": "system", "name": "example_assistant", "content": "Let's talk later when we're less busy about how to do better."},
          {"role": "user", "content": "This late pivot means we don't have time to boil the ocean for the client deliverable."}
        ]}
        """;

    [Theory]
    [InlineData("gpt-4o", 124)]
    [InlineData("gpt-4o-mini", 124)]
    [InlineData("gpt-3.5-turbo", 129)]
    [InlineData("gpt-4", 129)]
    public void CountExample_CookbookExample_MatchesThePublishedCount(string model, int expected)
    {
        foreach (var formula in new[] { ChatTokenFormula.Billing, ChatTokenFormula.Cookbook })
        {
            ChatTokenAccounting.ForModel(model, formula).CountExample(CookbookExample).Total.Should().Be(expected);
        }
    }

    [Fact]
    public void CountExample_Weight_CountedOnlyByTheCookbookFormula()
    {
        const string row = """{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello","weight":0}]}""";
        var billing = ChatTokenAccounting.ForModel("gpt-4o-mini").CountExample(row);
        var cookbook = ChatTokenAccounting.ForModel("gpt-4o-mini", ChatTokenFormula.Cookbook).CountExample(row);

        // 3 + (3 + "user" + "hi") + (3 + "assistant" + "hello") = 3 + 5 + 5; the weight-0 message is still counted.
        billing.Total.Should().Be(13);
        cookbook.Total.Should().Be(14, "the cookbook encodes the weight value \"0\" as one more token");
        billing.AssistantTokens.Should().Be(1);
        billing.Messages.Should().Be(2);
    }

    [Fact]
    public void CountExample_ToolsAndToolCalls_CountAsCompactJson()
    {
        const string row = """
            {"messages":[{"role":"user","content":"weather?"},
              {"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Paris\"}"}}]}],
             "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]}
            """;
        var tokenizer = TiktokenTokenizer.O200kBase;
        var toolCalls = """[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Paris\"}"}}]""";
        var tools = """[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]""";
        var expected = 3 + (3 + tokenizer.CountTokens("user") + tokenizer.CountTokens("weather?"))
            + (3 + tokenizer.CountTokens("assistant") + tokenizer.CountTokens(toolCalls)) + tokenizer.CountTokens(tools);

        ChatTokenAccounting.ForModel("gpt-4o").CountExample(row).Total.Should().Be(expected);
    }

    [Fact]
    public void CountExample_OverTheLimit_BilledIsTruncated()
    {
        var accounting = new ChatTokenAccounting(TiktokenTokenizer.O200kBase, maxTokensPerExample: 10);
        var counts = accounting.CountExample("""{"messages":[{"role":"user","content":"one two three four five six seven eight"}]}""");
        counts.Total.Should().BeGreaterThan(10);
        counts.Billed.Should().Be(10);
        counts.IsOverLimit.Should().BeTrue();
    }

    [Fact]
    public void CountExample_MultimodalParts_BillingCountsTextAndImages()
    {
        const string row = """{"messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]},{"role":"assistant","content":"A cat."}]}""";
        var tokenizer = TiktokenTokenizer.O200kBase;
        var expected = 3 + (3 + tokenizer.CountTokens("user") + tokenizer.CountTokens("What is this?") + ChatTokenAccounting.TokensPerImage)
            + (3 + tokenizer.CountTokens("assistant") + tokenizer.CountTokens("A cat."));
        ChatTokenAccounting.ForModel("gpt-4o").CountExample(row).Total.Should().Be(expected);
    }

    [Theory]
    [InlineData("plain text, no escapes")]
    [InlineData(@"line one\nline two\r\n\tindented \""quoted\"" back\\slash a\/b \\n not a newline")]
    [InlineData(@"déjà vu — 東京 🙂\nnext\b\f")]
    [InlineData(@"\u00e9t\u00e9 and \ud83d\ude42 via \\u escapes")]
    public void CountExample_EscapedContent_CountsTheDecodedText(string jsonBody)
    {
        // The counter reads JSON strings from the document's UTF-8, unescaping itself; it must see GetString's text.
        var row = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + jsonBody + "\"},{\"role\":\"assistant\",\"content\":\"ok\"}]}";
        var decoded = JsonDocument.Parse("\"" + jsonBody + "\"").RootElement.GetString()!;
        var tokenizer = TiktokenTokenizer.O200kBase;
        var expected = 3 + (3 + tokenizer.CountTokens("user") + tokenizer.CountTokens(decoded))
            + (3 + tokenizer.CountTokens("assistant") + tokenizer.CountTokens("ok"));
        ChatTokenAccounting.ForModel("gpt-4o").CountExample(row).Total.Should().Be(expected);
        tokenizer.CountTokens(decoded).Should().Be(tokenizer.Encode(decoded).Length);
    }

    [Fact]
    public void CountExample_PreferenceRow_CountsInputAndBothOutputs()
    {
        const string row = """{"input":{"messages":[{"role":"user","content":"hi"}]},"preferred_output":[{"role":"assistant","content":"hello"}],"non_preferred_output":[{"role":"assistant","content":"go away"}]}""";
        var counts = ChatTokenAccounting.ForModel("gpt-4o").CountExample(row);
        counts.Messages.Should().Be(3);
        counts.Total.Should().Be(3 + 5 + 5 + (3 + 1 + 2));
    }

    [Fact]
    public void ForModel_KnownLimits_AreApplied()
    {
        ChatTokenAccounting.ForModel("gpt-4o-mini-2024-07-18").MaxTokensPerExample.Should().Be(65_536);
        ChatTokenAccounting.ForModel("ft:gpt-3.5-turbo-0125:org::abc").MaxTokensPerExample.Should().Be(16_385);
        TrainingTokenLimit.TryGet("gpt-4.1-mini-2025-04-14", out var limit).Should().BeTrue();
        limit!.IsVerified.Should().BeFalse("OpenAI publishes no per-example figure for the gpt-4.1 family");
    }

    [Theory]
    [InlineData("openai-cookbook/toy_chat_fine_tuning.jsonl")]
    [InlineData("openai-cookbook/drone_training.jsonl")]
    [InlineData("openai-cookbook/dbpedia_samples.jsonl")]
    [InlineData("azure-finetune-tutorial/training_set.jsonl")]
    [InlineData("azure-samples-openai/generated_labels_context_switching_prepared_train.jsonl")]
    [InlineData("bedrock-nova-tooluse/test_ft.jsonl")]
    public async Task CountExample_CookbookFormula_EqualsTheNodePeerExactly(string dataset)
    {
        var path = RepoPaths.Dataset(dataset);
        var peer = await CookbookPeer.RunAsync(path);
        var accounting = ChatTokenAccounting.ForModel("gpt-4o-mini", ChatTokenFormula.Cookbook);
        long total = 0, billed = 0;
        foreach (var line in File.ReadLines(path).Where(l => !string.IsNullOrWhiteSpace(l)))
        {
            var counts = accounting.CountExample(line);
            total += counts.Total;
            billed += counts.Billed;
        }

        total.Should().Be(peer.GetProperty("total_tokens").GetInt64());
        billed.Should().Be(peer.GetProperty("billed_tokens").GetInt64());
    }

    [Fact]
    public void CountExample_NotAnObject_ReturnsZero()
    {
        using var document = JsonDocument.Parse("[1,2]");
        ChatTokenAccounting.ForModel("gpt-4o").CountExample(document.RootElement).Total.Should().Be(0);
    }
}
