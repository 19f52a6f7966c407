using NanoVlm.Engine.Refusals;
using NanoVlm.Server.Access;
using NanoVlm.Server.Hosting;

namespace NanoVlm.Server.Cli;

/// <summary>Dispatches the executable's arguments: no verb serves the dashboard, a verb runs and exits.</summary>
public static class CommandLine
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    /// <summary>Every verb, in the order --help lists them.</summary>
    public static IReadOnlyList<IVerb> Verbs { get; } = [
        new InfoVerb(), new AskVerb(), new TokenizeVerb(), new LogitsVerb(), new ImportVerb(),
        new DatasetInspectVerb(), new DatasetMakeSyntheticVerb(), new DatasetPackVerb(), new EvalVerb(), new BenchVerb(), new PlaygroundBenchVerb(), new TrainVerb(), new LoadTestVerb(),
    ];

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        if (args.Length == 0 || (args[0].StartsWith('-') && !IsHelp(args[0])))
        {
            // Server options (--urls, --Storage:DataDir=..., or none): serve.
            try
            {
                await ServerHost.Build(args).RunAsync(cancellationToken);
            }
            catch (AccessConfigurationException e)
            {
                await error.WriteLineAsync($"error: {e.Message}");
                return Failure;
            }
            return Success;
        }
        if (IsHelp(args[0]))
        {
            await output.WriteAsync(HelpText.General(Verbs));
            return Success;
        }

        // Verbs may have two words ("dataset inspect"): take the longest name the arguments start with.
        var verb = Verbs
            .Where(v => v.Name.Split(' ') is var words && words.Length <= args.Length && args.AsSpan(0, words.Length).SequenceEqual(words))
            .MaxBy(v => v.Name.Length);
        if (verb is null)
        {
            var family = Verbs.Where(v => v.Name.StartsWith(args[0] + " ", StringComparison.Ordinal)).Select(v => v.Name).ToList();
            await error.WriteLineAsync(family.Count > 0
                ? $"'{args[0]}' needs a subcommand: {string.Join(", ", family)}."
                : $"Unknown verb '{args[0]}'. Known verbs: {string.Join(", ", Verbs.Select(v => v.Name))}. Run with --help for details.");
            return UsageError;
        }
        var rest = args[verb.Name.Split(' ').Length..];
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
        catch (RefusalException e)
        {
            // A model or run refused before anything was allocated or written: bad input, like a usage error.
            await error.WriteLineAsync($"error: {e.Message}");
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
