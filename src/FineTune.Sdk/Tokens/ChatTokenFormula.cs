namespace FineTune.Sdk;

/// <summary>How <see cref="ChatTokenAccounting"/> turns a chat example into a token count (see docs/tokens.md).</summary>
public enum ChatTokenFormula
{
    /// <summary>
    /// The SDK's model of what OpenAI bills for a fine-tuning row: 3 tokens of reply priming, then per message
    /// 3 tokens plus the role, the text of the content (text parts of multimodal content, 85 per image), the name
    /// plus 1, and the compact JSON of tool calls, function calls and other values; <c>weight</c> is training
    /// metadata and is not counted; <c>tools</c> and <c>functions</c> count as their compact JSON.
    /// </summary>
    Billing = 0,

    /// <summary>
    /// The OpenAI cookbook's <c>num_tokens_from_messages</c> exactly as the Node.js peer
    /// (<c>cookbook-check.mjs</c>) applies it: 3 + per message 3 + every non-null value encoded (strings as is,
    /// anything else as its JSON text, <c>weight</c> included) + 1 per name, plus the JSON of <c>tools</c>.
    /// </summary>
    Cookbook = 1,
}
