namespace NanoVlm.Server.Hosting;

/// <summary>
/// Where the server's files live. The build copies the repository's appsettings.json and wwwroot/
/// next to the binary, and the host treats that folder as its content root, so configuration is the
/// same whichever working directory the server starts from. Data goes under the working directory.
/// </summary>
public static class AppConfiguration
{
    public static string ContentRoot => AppContext.BaseDirectory;

    public static string WebRoot => Path.Combine(ContentRoot, "wwwroot");

    /// <summary>Configuration for verbs, layered like the web host's: appsettings.json, environment, command line.</summary>
    public static IConfiguration BuildForVerb(IEnumerable<string> configurationOverrides) =>
        new ConfigurationBuilder()
            .SetBasePath(ContentRoot)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(configurationOverrides.ToArray())
            .Build();
}
