namespace NanoVlm.Server.Cli;

/// <summary>One command of the executable (`NanoVlm.Server VERB [options]`).</summary>
public interface IVerb
{
    string Name { get; }

    /// <summary>One line for the verb list.</summary>
    string Summary { get; }

    /// <summary>The options the verb accepts; anything else is a usage error.</summary>
    IReadOnlyList<VerbOption> Options { get; }

    Task<int> RunAsync(VerbArguments arguments, VerbConsole console, CancellationToken cancellationToken);
}

/// <summary>An option of a verb: `--name VALUE` when <see cref="ValueName"/> is set, else a flag.</summary>
public sealed record VerbOption(string Name, string? ValueName, string Description)
{
    public bool TakesValue => ValueName is not null;

    public string Usage => TakesValue ? $"--{Name} {ValueName}" : $"--{Name}";
}

/// <summary>Where a verb writes: results to <see cref="Out"/>, diagnostics to <see cref="Error"/>.</summary>
public sealed record VerbConsole(TextWriter Out, TextWriter Error);
