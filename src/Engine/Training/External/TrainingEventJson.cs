using System.Text;
using System.Text.Json;
using NanoVlm.Engine.Training.Events;

namespace NanoVlm.Engine.Training.External;

/// <summary>
/// One line of a run folder's <c>metrics.jsonl</c> or <c>events.jsonl</c> as the <see cref="TrainingEvent"/> the
/// in-process engine publishes, whichever engine wrote it: the C# engine (<see cref="RunFiles"/>) or the PyTorch
/// engine, whose <c>json.dumps</c> puts <c>type</c> anywhere and writes non-finite numbers as bare <c>NaN</c>,
/// <c>Infinity</c> and <c>-Infinity</c> (not JSON; read here as the quoted names <see cref="RunFiles.Json"/> accepts).
/// </summary>
public static class TrainingEventJson
{
    private static readonly JsonSerializerOptions Options = new(RunFiles.Json) { AllowOutOfOrderMetadataProperties = true };

    /// <summary>The event, or null with the reason the line cannot be read.</summary>
    public static TrainingEvent? Parse(string line, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(line);
        try
        {
            var parsed = JsonSerializer.Deserialize<TrainingEvent>(QuoteNonFiniteNumbers(line), Options);
            problem = parsed is null ? "the line is null" : null;
            return parsed;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            problem = e.Message.Split(" Path:")[0];
            return null;
        }
    }

    /// <summary>Bare NaN, Infinity and -Infinity outside strings become "NaN", "Infinity", "-Infinity".</summary>
    public static string QuoteNonFiniteNumbers(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (!json.Contains("NaN", StringComparison.Ordinal) && !json.Contains("Infinity", StringComparison.Ordinal)) return json;
        var result = new StringBuilder(json.Length + 8);
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            if (inString)
            {
                result.Append(c);
                if (c == '\\' && i + 1 < json.Length) result.Append(json[++i]);
                else if (c == '"') inString = false;
                continue;
            }
            if (c == '"')
            {
                inString = true;
                result.Append(c);
                continue;
            }
            var name = Matches(json, i, "NaN") ? "NaN" : Matches(json, i, "Infinity") ? "Infinity" : Matches(json, i, "-Infinity") ? "-Infinity" : null;
            if (name is null)
            {
                result.Append(c);
                continue;
            }
            result.Append('"').Append(name).Append('"');
            i += name.Length - 1;
        }
        return result.ToString();
    }

    private static bool Matches(string text, int at, string word) => string.CompareOrdinal(text, at, word, 0, word.Length) == 0;
}
