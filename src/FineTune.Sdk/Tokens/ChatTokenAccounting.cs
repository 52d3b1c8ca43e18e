using System.Text;
using System.Text.Json;

namespace FineTune.Sdk;

/// <summary>
/// Counts the tokens of chat fine-tuning examples (OpenAI chat JSONL rows, and preference rows) the way they are
/// billed, with the per-example truncation of the model's training limit. The formulas are documented in
/// docs/tokens.md.
/// </summary>
/// <remarks>Instances are immutable and thread-safe when the <see cref="ITokenCounter"/> is.</remarks>
public sealed class ChatTokenAccounting
{
    /// <summary>Tokens added once per example for the assistant reply priming (<c>&lt;|start|&gt;assistant&lt;|message|&gt;</c>).</summary>
    public const int ReplyPrimingTokens = 3;

    /// <summary>Tokens added per message for its start, separator and end markers.</summary>
    public const int TokensPerMessage = 3;

    /// <summary>Tokens added per message that carries a <c>name</c>.</summary>
    public const int TokensPerName = 1;

    /// <summary>Tokens counted per image part under <see cref="ChatTokenFormula.Billing"/> (OpenAI's low-detail figure).</summary>
    public const int TokensPerImage = 85;

    /// <summary>Creates an accounting over a token counter.</summary>
    /// <param name="tokenCounter">The model's tokenizer.</param>
    /// <param name="formula">The formula; defaults to <see cref="ChatTokenFormula.Billing"/>.</param>
    /// <param name="maxTokensPerExample">The per-example training limit; <see cref="int.MaxValue"/> for none.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxTokensPerExample"/> is less than 1.</exception>
    public ChatTokenAccounting(ITokenCounter tokenCounter, ChatTokenFormula formula = ChatTokenFormula.Billing, int maxTokensPerExample = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(tokenCounter);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokensPerExample, 1);
        TokenCounter = tokenCounter;
        Formula = formula;
        MaxTokensPerExample = maxTokensPerExample;
    }

    /// <summary>Gets the token counter.</summary>
    /// <value>The counter given at construction.</value>
    public ITokenCounter TokenCounter { get; }

    /// <summary>Gets the formula.</summary>
    /// <value>Defaults to <see cref="ChatTokenFormula.Billing"/>.</value>
    public ChatTokenFormula Formula { get; }

    /// <summary>Gets the per-example limit billed counts are truncated to.</summary>
    /// <value><see cref="int.MaxValue"/> when the model's limit is unknown.</value>
    public int MaxTokensPerExample { get; }

    /// <summary>Creates the accounting of a model: its tokenizer and, when known, its training limit.</summary>
    /// <param name="model">The model, for example <c>gpt-4o-mini</c> or an <c>ft:</c> name.</param>
    /// <param name="formula">The formula.</param>
    /// <returns>The accounting.</returns>
    /// <exception cref="ArgumentException">No tokenizer is known for the model.</exception>
    public static ChatTokenAccounting ForModel(string model, ChatTokenFormula formula = ChatTokenFormula.Billing)
    {
        var tokenizer = TiktokenTokenizer.ForModel(model);
        var limit = TrainingTokenLimit.TryGet(model, out var known) ? known.MaxTokensPerExample : int.MaxValue;
        return new ChatTokenAccounting(tokenizer, formula, limit);
    }

    /// <summary>Counts one example given as its JSON text.</summary>
    /// <param name="json">One JSONL row.</param>
    /// <returns>The counts.</returns>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    public ChatExampleTokens CountExample(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var document = JsonDocument.Parse(json);
        return CountExample(document.RootElement);
    }

    /// <summary>
    /// Counts one example: a chat row (<c>messages</c>, optional <c>tools</c>/<c>functions</c>) or a preference
    /// row (<c>input</c>, <c>preferred_output</c>, <c>non_preferred_output</c>). Missing or malformed parts count
    /// as nothing; the validator reports them.
    /// </summary>
    /// <param name="example">The row's root element.</param>
    /// <returns>The counts.</returns>
    public ChatExampleTokens CountExample(JsonElement example)
    {
        if (JsonUnicode.HasUndecodableText(example))
        {
            // A \ud800 escape without its other half, or bytes that are not UTF-8, cannot be decoded: counted as
            // U+FFFD, as the JavaScript peer does.
            using var repaired = JsonUnicode.Repaired(example);
            return CountExample(repaired.RootElement);
        }

        var work = RunCaches.Current is { } caches ? caches.ExampleWork ??= new ExampleWork() : new ExampleWork();
        Collect(example, work);
        return Finish(work);
    }

    /// <summary>
    /// The first half of <see cref="CountExample(JsonElement)"/>: walks the row and collects the texts to encode
    /// plus the fixed overhead, so the encoding (the expensive half) can run on another thread.
    /// </summary>
    internal void Collect(JsonElement example, ExampleWork work) => Collect(example, work, null);

    /// <summary>
    /// <see cref="Collect(JsonElement, ExampleWork)"/> for a chat row whose message contents were already read as
    /// strings (by message index; <see langword="null"/> entries are read here).
    /// </summary>
    internal void Collect(JsonElement example, ExampleWork work, List<string?>? messageContents)
    {
        work.Reset();
        if (example.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (example.TryGetProperty("messages", out var list))
        {
            if (Formula == ChatTokenFormula.Cookbook && (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0))
            {
                return; // the cookbook skips rows without a non-empty messages list
            }

            work.Counted = true;
            work.Overhead = ReplyPrimingTokens;
            CollectConversation(example, list, work, messageContents);
        }
        else if (example.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.Object)
        {
            // Preference (DPO) rows: the input conversation plus both outputs. How OpenAI bills these is unverified.
            work.Counted = true;
            work.Overhead = ReplyPrimingTokens;
            if (input.TryGetProperty("messages", out var inputMessages))
            {
                CollectConversation(input, inputMessages, work, null);
            }

            foreach (var name in (ReadOnlySpan<string>)["preferred_output", "non_preferred_output"])
            {
                if (example.TryGetProperty(name, out var outputs) && outputs.ValueKind == JsonValueKind.Array)
                {
                    foreach (var message in outputs.EnumerateArray())
                    {
                        CollectMessage(message, work, null);
                    }
                }
            }
        }
    }

    /// <summary>The second half of <see cref="CountExample(JsonElement)"/>: encodes the collected texts.</summary>
    internal ChatExampleTokens Finish(ExampleWork work)
    {
        if (!work.Counted)
        {
            return default;
        }

        var total = work.Overhead;
        var assistant = 0;
        foreach (var segment in work.Segments)
        {
            var tokens = RepeatedTextCounts.CountTokens(TokenCounter, work.Text(segment));
            total += tokens;
            if (segment.Assistant)
            {
                assistant += tokens;
            }
        }

        return new ChatExampleTokens(total, Math.Min(total, MaxTokensPerExample), work.Messages, assistant);
    }

    private void CollectConversation(JsonElement owner, JsonElement list, ExampleWork work, List<string?>? contents)
    {
        if (list.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var message in list.EnumerateArray())
            {
                CollectMessage(message, work, contents is not null && index < contents.Count ? contents[index] : null);
                index++;
            }
        }

        if (owner.TryGetProperty("tools", out var tools) && IsPresent(tools, Formula))
        {
            work.Add(JsonString(tools), assistant: false);
        }

        if (Formula == ChatTokenFormula.Billing && owner.TryGetProperty("functions", out var functions) && IsPresent(functions, Formula))
        {
            work.Add(JsonString(functions), assistant: false);
        }
    }

    private void CollectMessage(JsonElement message, ExampleWork work, string? content)
    {
        work.Messages++;
        work.Overhead += TokensPerMessage;
        if (message.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var isAssistant = message.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String && role.ValueEquals("assistant"u8);
        foreach (var property in message.EnumerateObject())
        {
            var value = property.Value;
            if (value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
            {
                continue;
            }

            if (Formula == ChatTokenFormula.Billing && property.NameEquals("weight"u8))
            {
                continue; // training metadata, never rendered into the conversation
            }

            var said = isAssistant && (property.NameEquals("content"u8) || property.NameEquals("tool_calls"u8) || property.NameEquals("function_call"u8));
            if (Formula == ChatTokenFormula.Billing && property.NameEquals("content"u8) && value.ValueKind == JsonValueKind.Array)
            {
                CollectContentParts(value, work, said);
            }
            else if (value.ValueKind == JsonValueKind.String)
            {
                AddString(value, work, said, property.NameEquals("content"u8) ? content : null);
            }
            else
            {
                work.Add(JsonString(value), said);
            }

            if (property.NameEquals("name"u8))
            {
                work.Overhead += TokensPerName;
            }
        }
    }

    private static void CollectContentParts(JsonElement parts, ExampleWork work, bool said)
    {
        foreach (var part in parts.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.String)
            {
                AddString(part, work, said);
            }
            else if (part.ValueKind == JsonValueKind.Object)
            {
                if (part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                {
                    AddString(text, work, said);
                }
                else if (part.TryGetProperty("image_url", out _))
                {
                    work.Overhead += TokensPerImage;
                }
                else
                {
                    work.Add(JsonString(part), said);
                }
            }
        }
    }

    // A JSON string's text, copied into the work's buffer: straight from the document's UTF-8 when it has no
    // escapes (no string is allocated); else the string the row's reader already decoded, when it is this value's
    // (checked without allocating); else through GetString.
    private static void AddString(JsonElement value, ExampleWork work, bool said, string? decoded = null)
    {
#if NET9_0_OR_GREATER
        var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(value);
        if (raw.Length >= 2 && raw[0] == (byte)'"')
        {
            var body = raw[1..^1];
            if (body.IndexOf((byte)'\\') < 0)
            {
                work.AddUtf8(body, said);
                return;
            }

            if (body.IndexOf("\\u"u8) < 0)
            {
                work.AddUtf8Unescaping(body, said);
                return;
            }
        }
#endif
        work.Add(decoded is not null && value.ValueEquals(decoded) ? decoded : value.GetString()!, said);
    }

    private static string JsonString(JsonElement value)
    {
        var caches = RunCaches.Current;
        var builder = caches?.JsonText ?? new StringBuilder(1024);
        builder.Clear();
        JsonText.Append(builder, value);
        var text = builder.ToString();
        if (caches is not null)
        {
            caches.JsonText = builder.Capacity > 1 << 20 ? null : builder; // do not keep huge buffers alive
        }

        return text;
    }

    // The peer tests `if (ex.tools)`: an empty array is truthy in JavaScript, so only null/false/0/"" are skipped.
    private static bool IsPresent(JsonElement value, ChatTokenFormula formula) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined or JsonValueKind.False => false,
        JsonValueKind.String => value.GetString()!.Length > 0,
        JsonValueKind.Number => value.GetDouble() != 0,
        JsonValueKind.Array => formula == ChatTokenFormula.Cookbook || value.GetArrayLength() > 0,
        _ => true,
    };

    /// <summary>The texts of one example waiting to be encoded (in one reused char buffer), plus its fixed overhead.</summary>
    internal sealed class ExampleWork
    {
        private char[] _chars = new char[256];
        private int _used;

        public List<(int Start, int Length, bool Assistant)> Segments { get; } = new(8);

        public int Overhead { get; set; }

        public int Messages { get; set; }

        public bool Counted { get; set; }

        public long Line { get; set; }

        public ReadOnlySpan<char> Text((int Start, int Length, bool Assistant) segment) => _chars.AsSpan(segment.Start, segment.Length);

        public void Add(string text, bool assistant)
        {
            Reserve(text.Length);
            text.CopyTo(_chars.AsSpan(_used));
            Segments.Add((_used, text.Length, assistant));
            _used += text.Length;
        }

        /// <summary>Adds valid UTF-8 (the parser has checked it), decoded as <see cref="JsonElement.GetString"/> would.</summary>
        public void AddUtf8(ReadOnlySpan<byte> utf8, bool assistant)
        {
            Reserve(utf8.Length);
            var length = Encoding.UTF8.GetChars(utf8, _chars.AsSpan(_used));
            Segments.Add((_used, length, assistant));
            _used += length;
        }

        /// <summary>
        /// Adds the body of a JSON string whose escapes are all two-character ones (<c>\n</c>, <c>\"</c>, ...; no
        /// <c>\u</c>), unescaped and decoded as <see cref="JsonElement.GetString"/> would.
        /// </summary>
        public void AddUtf8Unescaping(ReadOnlySpan<byte> utf8, bool assistant)
        {
            Reserve(utf8.Length); // neither decoding nor unescaping makes the text longer
            var start = _used;
            var position = _used;
            while (true)
            {
                var escape = utf8.IndexOf((byte)'\\');
                position += Encoding.UTF8.GetChars(escape < 0 ? utf8 : utf8[..escape], _chars.AsSpan(position));
                if (escape < 0)
                {
                    break;
                }

                _chars[position++] = utf8[escape + 1] switch
                {
                    (byte)'n' => '\n',
                    (byte)'t' => '\t',
                    (byte)'r' => '\r',
                    (byte)'b' => '\b',
                    (byte)'f' => '\f',
                    var other => (char)other, // '"', '\\' and '/' stand for themselves
                };
                utf8 = utf8[(escape + 2)..];
            }

            Segments.Add((start, position - start, assistant));
            _used = position;
        }

        public void Reset()
        {
            Segments.Clear();
            _used = 0;
            Overhead = 0;
            Messages = 0;
            Counted = false;
            if (_chars.Length > 1 << 20)
            {
                _chars = new char[256]; // do not keep a buffer grown for one huge row
            }
        }

        private void Reserve(int chars)
        {
            if (_used + chars > _chars.Length)
            {
                Array.Resize(ref _chars, Math.Max(_chars.Length * 2, _used + chars));
            }
        }
    }
}
