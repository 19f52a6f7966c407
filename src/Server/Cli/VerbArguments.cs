using System.Globalization;

namespace NanoVlm.Server.Cli;

/// <summary>
/// Parsed `--name value`, `--name=value` and `--flag` arguments of one verb, checked against the
/// options it declares. Arguments in ASP.NET configuration form (`--Section:Key=value`) are kept
/// apart as configuration overrides, so verbs read the same settings as the server.
/// </summary>
public sealed class VerbArguments
{
    private readonly Dictionary<string, string?> _values;

    private VerbArguments(Dictionary<string, string?> values, IReadOnlyList<string> configurationOverrides)
    {
        _values = values;
        ConfigurationOverrides = configurationOverrides;
    }

    public IReadOnlyList<string> ConfigurationOverrides { get; }

    public static VerbArguments Parse(string verb, IReadOnlyList<string> args, IReadOnlyList<VerbOption> options)
    {
        var byName = options.ToDictionary(o => o.Name, StringComparer.Ordinal);
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        var overrides = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new UsageException($"Unexpected argument '{arg}' for '{verb}'. Options start with --; run '{verb} --help' to list them.");
            }
            var body = arg[2..];
            var equals = body.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? body : body[..equals];
            string? inlineValue = equals < 0 ? null : body[(equals + 1)..];
            if (name.Contains(':', StringComparison.Ordinal))
            {
                overrides.Add(inlineValue is null && i + 1 < args.Count ? $"--{name}={args[++i]}" : arg);
                continue;
            }
            if (!byName.TryGetValue(name, out var option))
            {
                throw new UsageException($"Unknown option '--{name}' for '{verb}'. Known options: {string.Join(", ", options.Select(o => o.Usage))}.");
            }
            if (values.ContainsKey(name))
            {
                throw new UsageException($"Option '--{name}' is given twice for '{verb}'.");
            }
            if (!option.TakesValue)
            {
                if (inlineValue is not null)
                {
                    throw new UsageException($"Option '--{name}' of '{verb}' is a flag and takes no value.");
                }
                values[name] = null;
                continue;
            }
            if (inlineValue is null)
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new UsageException($"Option '--{name}' of '{verb}' needs a value: {option.Usage}.");
                }
                inlineValue = args[++i];
            }
            values[name] = inlineValue;
        }
        return new VerbArguments(values, overrides);
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public string? GetString(string name) => _values.TryGetValue(name, out var value) ? value : null;

    public string GetRequiredString(string name) =>
        GetString(name) ?? throw new UsageException($"Option '--{name}' is required.");

    public int? GetInt(string name, int min = int.MinValue, int max = int.MaxValue)
    {
        var text = GetString(name);
        if (text is null)
        {
            return null;
        }
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new UsageException($"Option '--{name}' must be a whole number between {min} and {max}; got '{text}'.");
        }
        return value;
    }
}
