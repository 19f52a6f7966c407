using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using NanoVlm.Engine.Tests.Model;
using NanoVlm.Engine.Training.External;

namespace NanoVlm.Engine.Tests.Training.External;

/// <summary>
/// A real single-node Slurm cluster started and stopped by the tests: munged, slurmctld and slurmd from Debian's
/// <c>munge</c> and <c>slurm-wlm</c>, in the foreground as this process's children, with their own key, socket, state,
/// ports and slurm.conf in a temporary folder (nothing of the machine's own Slurm or munge is used or touched). slurmd
/// runs jobs as root, so this needs root, as ./test.sh has when it installs the packages.
/// </summary>
public sealed class LocalSlurmCluster : IDisposable
{
    private readonly TempDirectory _temp = new();
    private static readonly string[] DaemonLogs = ["slurmctld.log", "slurmd.log", "munge/munged.log"];
    private readonly List<Process> _daemons = [];

    public LocalSlurmCluster()
    {
        if (!File.Exists("/usr/sbin/slurmctld") || !File.Exists("/usr/sbin/munged"))
            Assert.Fail("Slurm is not installed: sudo apt-get install slurm-wlm munge (./test.sh does as root).");
        if (Environment.UserName != "root")
            Assert.Fail("The local Slurm cluster runs slurmd, which starts jobs as root: run the tests as root (as ./test.sh in CI), or skip this class.");
        try
        {
            Start();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string ConfigFile => _temp.File("slurm.conf");

    public SlurmCommands Commands => new() { ConfigFile = ConfigFile, PollInterval = TimeSpan.FromSeconds(1) };

    /// <summary>A folder under the cluster's temporary folder (no spaces: Slurm's --output cannot carry them).</summary>
    public string NewFolder(string name) => Directory.CreateDirectory(_temp.File($"{name}-{Guid.NewGuid():N}")).FullName;

    public void Dispose()
    {
        // slurmd's tree includes the jobs' slurmstepd and their processes: nothing outlives the tests.
        foreach (var daemon in Enumerable.Reverse(_daemons))
        {
            try
            {
                if (!daemon.HasExited) daemon.Kill(entireProcessTree: true);
                daemon.WaitForExit(10_000);
            }
            catch (InvalidOperationException)
            {
            }
            daemon.Dispose();
        }
        _daemons.Clear();
        _temp.Dispose();
    }

    private void Start()
    {
        var munge = Directory.CreateDirectory(_temp.File("munge")).FullName;
        var key = Path.Combine(munge, "munge.key");
        var socket = Path.Combine(munge, "munge.sock");
        Run("/usr/sbin/mungekey", "--create", "--keyfile", key);
        Launch("/usr/sbin/munged", "--foreground", "--force", $"--key-file={key}", $"--socket={socket}", $"--pid-file={munge}/munged.pid",
            $"--log-file={munge}/munged.log", $"--seed-file={munge}/munged.seed");
        WaitUntil(() => File.Exists(socket), "munged to create its socket");

        var (controllerPort, nodePort) = (FreePort(), FreePort());
        Directory.CreateDirectory(_temp.File("state"));
        Directory.CreateDirectory(_temp.File("spool"));
        File.WriteAllText(ConfigFile, string.Join('\n',
        [
            "ClusterName=nanovlmtest",
            "SlurmctldHost=localhost(127.0.0.1)",
            string.Create(CultureInfo.InvariantCulture, $"SlurmctldPort={controllerPort}"),
            string.Create(CultureInfo.InvariantCulture, $"SlurmdPort={nodePort}"),
            "AuthType=auth/munge", $"AuthInfo=socket={socket}", "CredType=cred/munge",
            "SlurmUser=root", "SlurmdUser=root",
            $"StateSaveLocation={_temp.File("state")}", $"SlurmdSpoolDir={_temp.File("spool")}",
            $"SlurmctldPidFile={_temp.File("slurmctld.pid")}", $"SlurmdPidFile={_temp.File("slurmd.pid")}",
            $"SlurmctldLogFile={_temp.File("slurmctld.log")}", $"SlurmdLogFile={_temp.File("slurmd.log")}",
            "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none", "SchedulerType=sched/builtin",
            "SelectType=select/cons_tres", "SelectTypeParameters=CR_Core", "ReturnToService=2",
            "JobAcctGatherType=jobacct_gather/none", "AccountingStorageType=accounting_storage/none", "JobCompType=jobcomp/none",
            "MpiDefault=none", "MinJobAge=3600", "KillWait=30",
            string.Create(CultureInfo.InvariantCulture, $"NodeName=localhost NodeAddr=127.0.0.1 CPUs={Environment.ProcessorCount} State=UNKNOWN"),
            "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
            "",
        ]));
        Launch("/usr/sbin/slurmctld", "-D", "-f", ConfigFile);
        Launch("/usr/sbin/slurmd", "-D", "-f", ConfigFile, "-N", "localhost");
        WaitUntil(() => Run("sinfo", "-h", "-o", "%T").Output.Trim() == "idle", "the node to be idle in sinfo");
    }

    private void Launch(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["SLURM_CONF"] = ConfigFile;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _daemons.Add(process);
    }

    private CommandResult Run(string command, params string[] arguments) =>
        CommandRunner.Run(command, arguments, new Dictionary<string, string> { ["SLURM_CONF"] = ConfigFile });

    private void WaitUntil(Func<bool> ready, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!ready())
        {
            var died = _daemons.FirstOrDefault(d => d.HasExited);
            if (died is not null || DateTime.UtcNow > deadline)
            {
                var logs = string.Join("\n", DaemonLogs
                    .Select(_temp.File).Where(File.Exists).Select(f => $"{Path.GetFileName(f)}:\n{string.Join('\n', File.ReadLines(f).TakeLast(15))}"));
                Assert.Fail($"The local Slurm cluster did not start (waiting for {what}{(died is null ? "" : $"; {died.StartInfo.FileName} exited")}).\n{logs}");
            }
            Thread.Sleep(200);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
