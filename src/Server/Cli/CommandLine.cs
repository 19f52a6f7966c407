using NanoVlm.Server.Hosting;

namespace NanoVlm.Server.Cli;

/// <summary>Dispatches the executable's arguments: no verb serves the dashboard, a verb runs and exits.</summary>
public static class CommandLine
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    /// <summary>Every verb, in the order --help lists them.</summary>
    public static IReadOnlyList<IVerb> Verbs { get; } = [new InfoVerb(), new AskVerb(), new TokenizeVerb(), new LogitsVerb(), new BenchVerb()];

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        if (args.Length == 0 || (args[0].StartsWith('-') && !IsHelp(args[0])))
        {
            // Server options (--urls, --Storage:DataDir=..., or none): serve.
            await ServerHost.Build(args).RunAsync(cancellationToken);
            return Success;
        }
        if (IsHelp(args[0]))
        {
            await output.WriteAsync(HelpText.General(Verbs));
            return Success;
        }

        var verb = Verbs.FirstOrDefault(v => string.Equals(v.Name, args[0], StringComparison.Ordinal));
        if (verb is null)
        {
            await error.WriteLineAsync($"Unknown verb '{args[0]}'. Known verbs: {string.Join(", ", Verbs.Select(v => v.Name))}. Run with --help for details.");
            return UsageError;
        }
        var rest = args[1..];
        if (rest.Any(IsHelp))
        {
            await output.WriteAsync(HelpText.ForVerb(verb));
            return Success;
        }
        try
        {
            var arguments = VerbArguments.Parse(verb.Name, rest, verb.Options);
            return await verb.RunAsync(arguments, new VerbConsole(output, error), cancellationToken);
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync(e.Message);
            return UsageError;
        }
        catch (Exception e) when (UserErrors.IsUserError(e))
        {
            // Bad files, models or settings: the message says what is wrong; no stack trace for a user mistake.
            await error.WriteLineAsync($"error: {e.Message}");
            return Failure;
        }
    }

    private static bool IsHelp(string arg) => arg is "--help" or "-h" or "help";
}
