using NanoVlm.Server.Cli;

// With no verb the executable serves the dashboard; with a verb it runs that command and exits.
return await CommandLine.RunAsync(args, Console.Out, Console.Error);

/// <summary>The entry point type, public for WebApplicationFactory in tests.</summary>
public partial class Program;
