using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace FineTune.Sdk.Testing;

/// <summary>One change an emulator made, as it is replayed: the time it happened, its kind, its fields and its body.</summary>
/// <param name="At">The emulator's clock when the change happened.</param>
/// <param name="Op">The kind: <c>http</c> (a request replayed through the router) or an emulator-specific operation.</param>
/// <param name="Fields">The operation's string fields (method, target, content type, bucket, key, ...).</param>
/// <param name="Body">The request or object bytes.</param>
internal sealed record JournalEntry(DateTimeOffset At, string Op, IReadOnlyDictionary<string, string> Fields, byte[] Body)
{
    public string Field(string name) => Fields.TryGetValue(name, out var value) ? value : string.Empty;
}

/// <summary>
/// The state file of an emulator (<c>StatePath</c>): the seed, the clock position and the ordered list of changes.
/// Loading replays the changes on the clock they happened at, which rebuilds files, jobs, events, checkpoints and models
/// exactly (ids come from seeds derived from the file's seed); every change rewrites the file whole (temp file + rename).
/// </summary>
/// <remarks>Not thread-safe: the owning emulator calls it under its lock.</remarks>
internal sealed class EmulatorJournal
{
    private const string Format = "finetune-emulator-state";
    private const int Version = 1;
    private readonly List<JournalEntry> _entries;

    private EmulatorJournal(string path, string emulator, int seed, DateTimeOffset? position, List<JournalEntry> entries)
    {
        Path = path;
        Emulator = emulator;
        Seed = seed;
        Position = position;
        _entries = entries;
    }

    public string Path { get; }

    public string Emulator { get; }

    /// <summary>Gets the seed every id generator derives from.</summary>
    public int Seed { get; }

    /// <summary>Gets the latest emulator time the file has seen, or <see langword="null"/> for a new file.</summary>
    public DateTimeOffset? Position { get; private set; }

    public IReadOnlyList<JournalEntry> Entries => _entries;

    /// <summary>Loads the file when it exists, else starts a new, empty state (written at the first change).</summary>
    /// <exception cref="InvalidDataException">The file is not an emulator state file of this emulator; the message names
    /// the file and the JSON path.</exception>
    public static EmulatorJournal Open(string path, string emulator, int? seed)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            return new EmulatorJournal(full, emulator, seed ?? Random.Shared.Next(), null, []);
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(full));
            var root = document.RootElement;
            Require(root.ValueKind == JsonValueKind.Object, full, "$", "must be a JSON object");
            Require(root.TryGetProperty("format", out var format) && format.ValueKind == JsonValueKind.String && format.GetString() == Format, full, "$.format", $"must be \"{Format}\"");
            Require(root.TryGetProperty("version", out var version) && version.ValueKind == JsonValueKind.Number && version.GetInt32() == Version, full, "$.version", $"must be {Version}");
            Require(root.TryGetProperty("emulator", out var kind) && kind.ValueKind == JsonValueKind.String, full, "$.emulator", "must be a string");
            Require(kind.GetString() == emulator, full, "$.emulator", $"is '{kind.GetString()}', but this is the {emulator} emulator");
            Require(root.TryGetProperty("seed", out var seedElement) && seedElement.ValueKind == JsonValueKind.Number && seedElement.TryGetInt32(out _), full, "$.seed", "must be a 32-bit integer");
            DateTimeOffset? position = null;
            if (root.TryGetProperty("position", out var positionElement) && positionElement.ValueKind != JsonValueKind.Null)
            {
                position = Time(positionElement, full, "$.position");
            }

            Require(root.TryGetProperty("entries", out var entriesElement) && entriesElement.ValueKind == JsonValueKind.Array, full, "$.entries", "must be an array");
            var entries = new List<JournalEntry>(entriesElement.GetArrayLength());
            var index = 0;
            foreach (var item in entriesElement.EnumerateArray())
            {
                var at = $"$.entries[{index}]";
                Require(item.ValueKind == JsonValueKind.Object, full, at, "must be an object");
                Require(item.TryGetProperty("at", out var time), full, at + ".at", "is required");
                Require(item.TryGetProperty("op", out var op) && op.ValueKind == JsonValueKind.String, full, at + ".op", "must be a string");
                var fields = new Dictionary<string, string>(StringComparer.Ordinal);
                if (item.TryGetProperty("fields", out var fieldsElement))
                {
                    Require(fieldsElement.ValueKind == JsonValueKind.Object, full, at + ".fields", "must be an object");
                    foreach (var field in fieldsElement.EnumerateObject())
                    {
                        Require(field.Value.ValueKind == JsonValueKind.String, full, $"{at}.fields.{field.Name}", "must be a string");
                        fields[field.Name] = field.Value.GetString()!;
                    }
                }

                byte[] body = [];
                if (item.TryGetProperty("body", out var bodyElement))
                {
                    Require(bodyElement.ValueKind == JsonValueKind.String && bodyElement.TryGetBytesFromBase64(out body!), full, at + ".body", "must be base64");
                }

                entries.Add(new JournalEntry(Time(time, full, at + ".at"), op.GetString()!, fields, body));
                index++;
            }

            return new EmulatorJournal(full, emulator, seedElement.GetInt32(), position, entries);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Emulator state file {full} is not valid JSON (line {ex.LineNumber + 1}): delete it to start over.", ex);
        }
    }

    /// <summary>
    /// Replays every entry in order: <paramref name="at"/> pins the emulator's clock to the entry's time (then back to
    /// <see langword="null"/>), <paramref name="apply"/> advances the emulator and applies the entry with the id generator
    /// of its position. Returns how far the clock must run ahead to reach the file's position.
    /// </summary>
    /// <exception cref="InvalidDataException">An entry no longer applies; the message names the file and the entry.</exception>
    public TimeSpan Replay(TimeProvider clock, Action<DateTimeOffset?> at, Action<JournalEntry, Random> apply)
    {
        try
        {
            for (var i = 0; i < _entries.Count; i++)
            {
                var entry = _entries[i];
                at(entry.At);
                try
                {
                    apply(entry, new Random(DeriveSeed("op:" + i.ToString(CultureInfo.InvariantCulture))));
                }
                catch (Exception ex) when (ex is not InvalidDataException)
                {
                    throw new InvalidDataException($"Emulator state file {Path}: $.entries[{i}] ({entry.Op} {entry.Field("method")} {entry.Field("target")}{entry.Field("bucket")}) no longer applies: {ex.Message}", ex);
                }
            }
        }
        finally
        {
            at(null);
        }

        var now = clock.GetUtcNow();
        return Position is { } position && position > now ? position - now : TimeSpan.Zero;
    }

    /// <summary>Derives the seed of generator <paramref name="stream"/> from the file's seed (stable across processes).</summary>
    public int DeriveSeed(string stream) => (int)(AnswerBook.Fnv1a(string.Create(CultureInfo.InvariantCulture, $"{Seed}:{stream}")) & 0x7FFFFFFF);

    /// <summary>Appends a change and rewrites the file.</summary>
    public void Append(JournalEntry entry)
    {
        _entries.Add(entry);
        Advance(entry.At);
        Save();
    }

    /// <summary>Records the clock position (when it moved forward) and rewrites the file.</summary>
    public void SavePosition(DateTimeOffset now)
    {
        if (Position is { } known && known >= now)
        {
            return;
        }

        Advance(now);
        Save();
    }

    private void Advance(DateTimeOffset now)
    {
        if (Position is null || now > Position)
        {
            Position = now;
        }
    }

    /// <summary>Rewrites the file whole through the SDK's one atomic-write helper (temp file, flush, rename, folder fsync).</summary>
    private void Save()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("format", Format);
            writer.WriteNumber("version", Version);
            writer.WriteString("emulator", Emulator);
            writer.WriteNumber("seed", Seed);
            if (Position is { } position)
            {
                writer.WriteString("position", position.ToString("O", CultureInfo.InvariantCulture));
            }

            writer.WriteStartArray("entries");
            foreach (var entry in _entries)
            {
                writer.WriteStartObject();
                writer.WriteString("at", entry.At.ToString("O", CultureInfo.InvariantCulture));
                writer.WriteString("op", entry.Op);
                writer.WriteStartObject("fields");
                foreach (var (name, value) in entry.Fields)
                {
                    writer.WriteString(name, value);
                }

                writer.WriteEndObject();
                if (entry.Body.Length > 0)
                {
                    writer.WriteBase64String("body", entry.Body);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        AtomicFile.WriteAllBytes(Path, buffer.WrittenSpan);
    }

    private static DateTimeOffset Time(JsonElement element, string path, string jsonPath)
    {
        Require(element.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParseExact(element.GetString(), "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out _), path, jsonPath, "must be an ISO-8601 round-trip time");
        return DateTimeOffset.ParseExact(element.GetString()!, "O", CultureInfo.InvariantCulture, DateTimeStyles.None);
    }

    private static void Require(bool condition, string path, string jsonPath, string problem)
    {
        if (!condition)
        {
            throw new InvalidDataException($"Emulator state file {path}: {jsonPath} {problem}.");
        }
    }
}
