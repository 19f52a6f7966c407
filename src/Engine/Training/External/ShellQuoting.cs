namespace NanoVlm.Engine.Training.External;

/// <summary>Command lines as a POSIX shell reads them (for printed commands and sbatch scripts).</summary>
public static class ShellQuoting
{
    /// <summary>The argument as one shell word: unchanged when it holds only safe characters, else in single quotes.</summary>
    public static string Quote(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@%+,".Contains(c))) return argument;
        return "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    public static string Join(IEnumerable<string> arguments) => string.Join(' ', arguments.Select(Quote));
}
