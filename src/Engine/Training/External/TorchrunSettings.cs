using System.Globalization;

namespace NanoVlm.Engine.Training.External;

/// <summary>How torchrun spreads a run: processes per node, nodes, and where the nodes meet.</summary>
public sealed record TorchrunSettings
{
    /// <summary>Worker processes on each node (one per GPU on a GPU machine).</summary>
    public int ProcessesPerNode { get; init; } = 1;

    public int Nodes { get; init; } = 1;

    /// <summary><c>HOST:PORT</c> on one of the nodes, required for more than one node (c10d rendezvous).</summary>
    public string? RendezvousEndpoint { get; init; }

    /// <summary>The rendezvous id every node of the run gives (the run's id).</summary>
    public string? RendezvousId { get; init; }

    /// <summary>How often torchrun checks its workers: lower ends a run whose worker died sooner.</summary>
    public double MonitorIntervalSeconds { get; init; } = 1;

    public int WorldSize => ProcessesPerNode * Nodes;

    /// <summary>Every problem, each saying what to change.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (ProcessesPerNode is < 1 or > 1024) problems.Add($"Processes per node must be between 1 and 1024 (got {ProcessesPerNode}).");
        if (Nodes is < 1 or > 4096) problems.Add($"Nodes must be between 1 and 4096 (got {Nodes}).");
        if (Nodes > 1 && string.IsNullOrWhiteSpace(RendezvousEndpoint))
            problems.Add("A run on more than one node needs a rendezvous endpoint (HOST:PORT on one of the nodes, e.g. node1:29500).");
        if (RendezvousEndpoint is { Length: > 0 } endpoint && !IsHostAndPort(endpoint))
            problems.Add($"The rendezvous endpoint '{endpoint}' is not HOST:PORT (e.g. node1:29500).");
        if (!(MonitorIntervalSeconds > 0 && MonitorIntervalSeconds <= 60)) problems.Add("The monitor interval must lie in (0, 60] seconds.");
        return problems;
    }

    /// <summary>
    /// <c>-m torch.distributed.run ...</c> (torchrun as a module of the same interpreter, so no PATH is involved),
    /// then the trainer's module and its arguments.
    /// </summary>
    public IReadOnlyList<string> Arguments(PythonTrainerArguments trainer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        // torch 1.13 spells its options with underscores (torch 2.x accepts them too). With Python 3.11 it fails in
        // to_map unless --redirects/--tee are other than 0 and 3: 1/2 logs stdout and keeps stderr (progress, errors)
        // on the console, prefixed [defaultN]: (docs/distributed.md).
        var args = new List<string>
        {
            "-m", "torch.distributed.run",
            "--nproc_per_node", ProcessesPerNode.ToString(CultureInfo.InvariantCulture),
            "--nnodes", Nodes.ToString(CultureInfo.InvariantCulture),
            "--monitor_interval", MonitorIntervalSeconds.ToString(CultureInfo.InvariantCulture),
            "--redirects", "1", "--tee", "2",
        };
        if (RendezvousEndpoint is { Length: > 0 } endpoint)
        {
            args.AddRange(["--rdzv_backend", "c10d", "--rdzv_endpoint", endpoint, "--rdzv_id", RendezvousId ?? "nanovlm"]);
        }
        else
        {
            // One node: a rendezvous on this machine. Not --standalone: torch 1.13's puts every such run on port
            // 29400, so two runs at once (a CLI run beside the dashboard's, parallel tests) met in one store and the
            // second failed ("The connection to the C10d store has failed"). A port free now is as good, and its own.
            args.AddRange(["--rdzv_backend", "c10d", "--rdzv_endpoint", "127.0.0.1:" + FreeLocalPort().ToString(CultureInfo.InvariantCulture),
                "--rdzv_id", RendezvousId ?? "nanovlm"]);
        }
        args.AddRange(["-m", DistributedPackage.TrainModule]);
        args.AddRange(trainer.ToArguments());
        return args;
    }

    private static bool IsHostAndPort(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        return colon > 0 && int.TryParse(endpoint[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
               && !endpoint[..colon].Any(char.IsWhiteSpace);
    }

    /// <summary>A loopback port nothing listens on now (the system's choice for port 0).</summary>
    private static int FreeLocalPort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }
}
