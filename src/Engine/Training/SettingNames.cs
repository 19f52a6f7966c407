using System.Reflection;
using System.Text.Json.Serialization;

namespace NanoVlm.Engine.Training;

/// <summary>
/// The names of an enumerated setting (<see cref="PrecisionMode"/>, <see cref="NanPolicy"/>) as users write them
/// on the command line, in the form, the API and <c>run.json</c>: the enum's <see cref="JsonStringEnumMemberNameAttribute"/>
/// values, so the JSON files and every other edge share one spelling, parsed and printed in one place.
/// </summary>
public static class SettingNames
{
    /// <summary>Every accepted name of <typeparamref name="TEnum"/>, in declaration order.</summary>
    public static IReadOnlyList<string> All<TEnum>() where TEnum : struct, Enum => Table<TEnum>.Names;

    /// <summary>"a, b or c", for messages.</summary>
    public static string Choices<TEnum>() where TEnum : struct, Enum => Table<TEnum>.Choices;

    public static string Name<TEnum>(TEnum value) where TEnum : struct, Enum
    {
        foreach (var (candidate, name) in Table<TEnum>.Entries)
        {
            if (EqualityComparer<TEnum>.Default.Equals(candidate, value)) return name;
        }
        throw new ArgumentOutOfRangeException(nameof(value), value, $"{typeof(TEnum).Name} has no name for {value}.");
    }

    /// <summary>Case-insensitive; surrounding spaces ignored.</summary>
    public static bool TryParse<TEnum>(string? text, out TEnum value) where TEnum : struct, Enum
    {
        var trimmed = text?.Trim();
        foreach (var (candidate, name) in Table<TEnum>.Entries)
        {
            if (string.Equals(name, trimmed, StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }
        value = default;
        return false;
    }

    /// <summary>The value named <paramref name="text"/>, or a <see cref="FormatException"/> naming the setting and its choices.</summary>
    public static TEnum Parse<TEnum>(string? text, string setting) where TEnum : struct, Enum =>
        TryParse<TEnum>(text, out var value) ? value : throw new FormatException($"{setting} must be {Choices<TEnum>()}; got '{text}'.");

    /// <summary>Read once per enum type from its fields' attributes.</summary>
    private static class Table<TEnum> where TEnum : struct, Enum
    {
        public static readonly (TEnum Value, string Name)[] Entries =
        [
            .. typeof(TEnum).GetFields(BindingFlags.Public | BindingFlags.Static)
                .Select(field => ((TEnum)field.GetValue(null)!, field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? field.Name)),
        ];

        public static readonly IReadOnlyList<string> Names = [.. Entries.Select(entry => entry.Name)];

        public static readonly string Choices = Names.Count == 1 ? Names[0] : string.Join(", ", Names.Take(Names.Count - 1)) + " or " + Names[^1];
    }
}
