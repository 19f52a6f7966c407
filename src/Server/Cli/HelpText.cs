using System.Globalization;
using System.Text;

namespace NanoVlm.Server.Cli;

/// <summary>The text of --help, for the executable and for each verb.</summary>
public static class HelpText
{
    public static string General(IEnumerable<IVerb> verbs)
    {
        var text = new StringBuilder();
        text.AppendLine("NanoVlm.Web: a dashboard for training and using nanoVLM vision-language models.");
        text.AppendLine();
        text.AppendLine("Usage:");
        text.AppendLine("  NanoVlm.Server [--urls URL] [--Section:Key=value ...]   serve the dashboard (default http://127.0.0.1:5080)");
        text.AppendLine("  NanoVlm.Server VERB [options]                           run one command and exit");
        text.AppendLine("  (from a clone: dotnet run --project src/Server -- VERB [options])");
        text.AppendLine();
        text.AppendLine("Verbs:");
        foreach (var verb in verbs)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {verb.Name,-10} {verb.Summary}");
        }
        text.AppendLine();
        text.AppendLine("Run 'VERB --help' for a verb's options. Configuration: appsettings.json beside the executable,");
        text.AppendLine("overridden by environment variables (Storage__DataDir) and --Section:Key=value arguments.");
        return text.ToString();
    }

    public static string ForVerb(IVerb verb)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{verb.Name}: {verb.Summary}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Usage: NanoVlm.Server {verb.Name} {string.Join(' ', verb.Options.Select(o => $"[{o.Usage}]"))}");
        if (verb.Options.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Options:");
            foreach (var option in verb.Options)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {option.Usage,-22} {option.Description}");
            }
        }
        return text.ToString();
    }
}
