using System.Globalization;
using System.Net;
using System.Net.Sockets;
using NanoVlm.Server.Hosting;
using NanoVlm.Server.LoadTesting;

namespace NanoVlm.Server.Cli;

/// <summary>
/// `load-test`: the hardening load test in full. Starts a dashboard on a free loopback port with a throw-away data
/// folder (never a real one, never another address), measures a tiny run's training throughput alone, then again
/// with SignalR viewers, API pollers and playground questions, and prints the figures. Exit code 1 on any error or
/// lost metric.
/// </summary>
public sealed class LoadTestVerb : IVerb
{
    public string Name => "load-test";

    public string Summary => "load the dashboard on loopback (SignalR viewers, API pollers, questions) during a tiny run and print throughput, errors and memory";

    public IReadOnlyList<VerbOption> Options { get; } =
    [
        new("viewers", "N", "concurrent SignalR viewers (default 20)"),
        new("pollers", "N", "concurrent API pollers (default 5)"),
        new("seconds", "S", "length of the loaded phase (default 120)"),
        new("baseline-seconds", "S", "length of the unloaded run measured first (default 60)"),
    ];

    public async Task<int> RunAsync(VerbArguments arguments, VerbConsole console, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(console);
        var viewers = arguments.GetInt("viewers", 1, 200) ?? 20;
        var pollers = arguments.GetInt("pollers", 0, 50) ?? 5;
        var seconds = arguments.GetInt("seconds", 10, 3600) ?? 120;
        var baselineSeconds = arguments.GetInt("baseline-seconds", 10, 3600) ?? 60;

        var dataDir = Directory.CreateTempSubdirectory("nanovlm-load-test-").FullName;
        var address = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{FreeLoopbackPort()}"));
        try
        {
            await using var app = ServerHost.Build(
            [
                "--urls", address.ToString().TrimEnd('/'), $"--Storage:DataDir={dataDir}", "--Logging:LogLevel:Default=Warning",
            ]);
            await app.StartAsync(cancellationToken);
            await console.Error.WriteLineAsync($"dashboard on {address} with data in {dataDir}");
            var report = await new LoadTestDriver(address, viewers, pollers, TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(baselineSeconds), console.Error)
                .RunAsync(cancellationToken);
            foreach (var line in report.Lines()) await console.Out.WriteLineAsync(line);
            await app.StopAsync(CancellationToken.None);
            return report.Passed ? CommandLine.Success : CommandLine.Failure;
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
