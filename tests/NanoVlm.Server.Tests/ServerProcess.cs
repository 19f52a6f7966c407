using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NanoVlm.Server.Tests;

/// <summary>
/// The built server executable (the NanoVlm.Server apphost copied beside the tests) as a real child process on a free
/// loopback port, so a test can kill it with SIGKILL and start it again on the same data folder.
/// </summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(2) };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The server's resident memory now, in bytes.</summary>
    public long WorkingSet
    {
        get
        {
            _process.Refresh();
            return _process.WorkingSet64;
        }
    }

    /// <summary>What the server printed so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>Starts the server on <paramref name="dataDir"/> and waits (minutes, on a loaded machine) until /healthz answers.</summary>
    public static async Task<ServerProcess> StartAsync(string dataDir, params string[] extraArguments)
    {
        var port = FreeLoopbackPort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "NanoVlm.Server"))
        {
            WorkingDirectory = dataDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--urls", baseAddress.ToString().TrimEnd('/'), $"--Storage:DataDir={dataDir}", "--Engine:Threads=1" }.Concat(extraArguments))
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        Directory.CreateDirectory(dataDir);
        var process = Process.Start(info) ?? throw new InvalidOperationException("The server executable did not start.");
        var server = new ServerProcess(process, baseAddress);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilHealthyAsync(TimeSpan.FromMinutes(4));
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return server;
    }

    /// <summary>SIGKILL, like <c>kill -9</c>: no shutdown code runs, nothing is flushed or unlocked by the server.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            KillHard();
        }
        _process.Dispose();
        Client.Dispose();
    }

    private async Task WaitUntilHealthyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with code {_process.ExitCode} before answering:\n{Output}");
            }
            try
            {
                using var response = await Client.GetAsync(new Uri("/healthz", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"The server did not answer /healthz within {timeout}:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
